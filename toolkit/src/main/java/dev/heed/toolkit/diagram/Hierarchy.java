package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups a network's nodes the way one describes a ResNet: layers, then blocks (each stretch of the graph that
 * branches and merges again, ending at the first node nothing jumps over), then stages (runs of blocks that keep the
 * output shape of the block that opened them). A sequential network has no blocks and no stages: every layer stands
 * alone. Then it decides which boxes a diagram shows, at a depth, with chosen groups opened one level further.
 */
public final class Hierarchy {
    /** How far a diagram collapses the network. */
    public enum Depth {
        STAGES, BLOCKS, LAYERS;

        public static Depth fromId(String id) {
            for (Depth d : values()) {
                if (d.name().equalsIgnoreCase(id)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("unknown depth '" + id + "'; valid: stages, blocks, layers");
        }
    }

    /** A box of the diagram: one node, or a collapsed group of them. {@code inputs} are other items' ids. */
    public record Item(String id, String title, String kind, List<String> members, List<String> inputs,
                       NetworkGraph.Shape output, long params, Map<String, String> hyper, int blocks) {
        public boolean isGroup() {
            return members.size() > 1;
        }
    }

    /** A group of nodes with a name. {@code blocks} counts the residual blocks in a stage (1 for a block). */
    record Group(String name, List<String> members, int blocks) { }

    private final NetworkGraph graph;
    private final List<Group> blocks = new ArrayList<>();
    private final List<Group> stages = new ArrayList<>();

    public Hierarchy(NetworkGraph graph) {
        this.graph = graph;
        findBlocks();
        findStages();
    }

    public List<String> blockNames() {
        return blocks.stream().map(Group::name).toList();
    }

    public List<String> stageNames() {
        return stages.stream().map(Group::name).toList();
    }

    /** The boxes shown at {@code depth}, with every group named in {@code expand} opened one level deeper. */
    public List<Item> items(Depth depth, Set<String> expand) {
        Set<String> known = new LinkedHashSet<>(blockNames());
        known.addAll(stageNames());
        for (String name : expand) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("no stage or block named '" + name + "'; stages: " + stageNames()
                        + ", blocks: " + blockNames());
            }
        }
        Map<String, String> itemOf = new HashMap<>();
        Map<String, Group> shown = new LinkedHashMap<>();
        if (depth != Depth.LAYERS) {
            for (Group stage : stages) {
                if (depth == Depth.STAGES && !expand.contains(stage.name())) {
                    shown.put(stage.name(), stage);
                    continue;
                }
                for (Group block : blocks) {
                    if (stage.members().containsAll(block.members()) && !expand.contains(block.name())) {
                        shown.put(block.name(), block);
                    }
                }
            }
            for (Group block : blocks) {
                boolean inShownStage = shown.values().stream().anyMatch(g -> g.members().containsAll(block.members()));
                if (!inShownStage && !expand.contains(block.name()) && stages.stream().noneMatch(s -> s.members().containsAll(block.members()))) {
                    shown.put(block.name(), block);
                }
            }
        }
        for (Group g : shown.values()) {
            for (String member : g.members()) {
                itemOf.putIfAbsent(member, g.name());
            }
        }
        List<Item> items = new ArrayList<>();
        Set<String> emitted = new LinkedHashSet<>();
        for (NetworkGraph.Node node : graph.nodes()) {
            String id = itemOf.getOrDefault(node.name(), node.name());
            if (!emitted.add(id)) {
                continue;
            }
            if (id.equals(node.name())) {
                items.add(new Item(id, node.name(), node.kind(), List.of(node.name()),
                        node.inputs().stream().map(i -> itemOf.getOrDefault(i, i)).distinct().toList(), node.output(),
                        node.params(), node.hyper(), 0));
            } else {
                items.add(groupItem(shown.get(id), itemOf));
            }
        }
        return items;
    }

    private Item groupItem(Group g, Map<String, String> itemOf) {
        Set<String> members = new LinkedHashSet<>(g.members());
        List<String> inputs = new ArrayList<>();
        long params = 0;
        for (String m : g.members()) {
            NetworkGraph.Node node = graph.node(m);
            params += node.params();
            for (String in : node.inputs()) {
                String item = itemOf.getOrDefault(in, in);
                if (!members.contains(in) && !inputs.contains(item)) {
                    inputs.add(item);
                }
            }
        }
        NetworkGraph.Shape out = graph.node(g.members().get(g.members().size() - 1)).output();
        String kind = g.blocks() > 1 || stages.stream().anyMatch(s -> s.name().equals(g.name())) ? "stage" : "block";
        return new Item(g.name(), g.name(), kind, g.members(), inputs, out, params, Map.of(), g.blocks());
    }

    /** Blocks: for each node, is some edge jumping over it? A run of jumped nodes plus the next free node is a block. */
    private void findBlocks() {
        List<NetworkGraph.Node> nodes = graph.nodes();
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            position.put(nodes.get(i).name(), i);
        }
        boolean[] jumped = new boolean[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                for (int p = position.get(in) + 1; p < i; p++) {
                    jumped[p] = true;
                }
            }
        }
        List<String> run = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            run.add(nodes.get(i).name());
            if (!jumped[i]) {
                if (run.size() > 1) {
                    // the activation after a merge belongs to its block (ResNet's ReLU after the addition)
                    while (i + 1 < nodes.size() && !jumped[i + 1] && isFollower(nodes.get(i + 1), nodes.get(i))) {
                        run.add(nodes.get(++i).name());
                    }
                    blocks.add(new Group(groupName("block", run), List.copyOf(run), 1));
                }
                run.clear();
            }
        }
    }

    /** A parameter-free node fed only by {@code previous} that keeps its shape: an activation, dropout and the like. */
    private static boolean isFollower(NetworkGraph.Node node, NetworkGraph.Node previous) {
        return node.params() == 0 && node.inputs().equals(List.of(previous.name())) && node.output().equals(previous.output());
    }

    /** Stages: consecutive blocks, a new one whenever a block's output shape differs from the stage's. */
    private void findStages() {
        List<Group> current = new ArrayList<>();
        NetworkGraph.Shape shape = null;
        int lastEnd = -1;
        List<String> order = graph.nodes().stream().map(NetworkGraph.Node::name).toList();
        for (Group block : blocks) {
            NetworkGraph.Shape out = graph.node(block.members().get(block.members().size() - 1)).output();
            int start = order.indexOf(block.members().get(0));
            boolean adjacent = start == lastEnd + 1;
            if (!current.isEmpty() && (!out.equals(shape) || !adjacent)) {
                closeStage(current);
            }
            current.add(block);
            shape = out;
            lastEnd = order.indexOf(block.members().get(block.members().size() - 1));
        }
        closeStage(current);
    }

    private void closeStage(List<Group> current) {
        if (current.size() > 1) {
            List<String> members = new ArrayList<>();
            current.forEach(b -> members.addAll(b.members()));
            String name = groupName("stage", current.stream().map(g -> g.name().replaceFirst("^block", "")).toList());
            stages.add(new Group(name, members, current.size()));
        }
        current.clear();
    }

    /**
     * The id a group goes by: "block" or "stage" and what its members' names share after a leading layer-type word
     * ("res2a_branch2a", "bn2a_branch1" and "short2a_branch" give "block2a"), else its first and last member.
     */
    static String groupName(String kind, List<String> names) {
        List<String> stems = names.stream().map(Hierarchy::stem).toList();
        String prefix = stems.get(0);
        for (String s : stems) {
            int k = 0;
            while (k < Math.min(prefix.length(), s.length()) && prefix.charAt(k) == s.charAt(k)) {
                k++;
            }
            prefix = prefix.substring(0, k);
        }
        int cut = 0;
        while (cut < prefix.length() && Character.isLetterOrDigit(prefix.charAt(cut))) {
            cut++;
        }
        prefix = prefix.substring(0, cut);
        return prefix.isEmpty() ? names.get(0) + "…" + names.get(names.size() - 1) : kind + prefix;
    }

    /** A name without a leading alphabetic layer-type word when digits follow it: "bn2a_branch1" -> "2a_branch1". */
    private static String stem(String name) {
        return name.matches("^[a-zA-Z]+\\d.*") ? name.replaceFirst("^[a-zA-Z]+", "") : name;
    }
}
