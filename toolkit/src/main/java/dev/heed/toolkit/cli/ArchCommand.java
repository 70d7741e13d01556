package dev.heed.toolkit.cli;

import dev.heed.toolkit.diagram.BlockDiagram;
import dev.heed.toolkit.diagram.DotWriter;
import dev.heed.toolkit.diagram.Hierarchy;
import dev.heed.toolkit.diagram.NetworkGraph;
import dev.heed.toolkit.diagram.NodeLinkDiagram;
import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.diagram.ScenePainter;
import dev.heed.toolkit.diagram.SvgWriter;
import dev.heed.toolkit.diagram.VolumeDiagram;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.render.Images;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.VGG16;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code heed arch}: architecture diagrams of DL4J networks as SVG, PNG or Graphviz DOT. */
@Command(name = "arch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw a DL4J network: a block diagram with hyper-parameters, output shapes and parameter counts, grouped "
                + "hierarchically (ResNet stages collapse to one box; --expand opens them); a neuron-level node-link diagram of a "
                + "small dense network, weights coloured by sign and sized by magnitude; or VGG-style 3-D blocks.",
                "The output file's extension picks the format: .svg, .png or .dot (blocks only). Zoo networks are built with "
                        + "random weights, offline."})
public final class ArchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "resnet50, vgg16, alexnet, squeezenet (DL4J zoo), fashion-cnn (bundled), or a DL4J model zip")
    String model;

    @Option(names = "--style", description = "blocks | nodes | 3d (default: ${DEFAULT-VALUE})")
    String style = "blocks";

    @Option(names = "--output", required = true, description = "file to write: .svg, .png or .dot; repeat for several formats")
    List<Path> outputs;

    @Option(names = "--depth", description = "blocks: stages | blocks | layers, how far repeated structures collapse (default: ${DEFAULT-VALUE})")
    String depth = "stages";

    @Option(names = "--expand", split = ",", description = "blocks: stage or block names to open one level deeper (e.g. stage3,block2a)")
    List<String> expand = List.of();

    @Option(names = "--input-shape", description = "C,H,W (images) or N (vectors) for a model zip without a heed.json card")
    String inputShape;

    @Option(names = "--scale", description = "PNG pixels per SVG unit (default: ${DEFAULT-VALUE})")
    double scale = 1.5;

    @Override
    public Integer call() throws IOException {
        for (Path output : outputs) {
            String ext = extension(output);
            if (!List.of("svg", "png", "dot").contains(ext)) {
                throw new ParameterException(spec.commandLine(), output + ": unknown format '." + ext + "'; use .svg, .png or .dot");
            }
            if (ext.equals("dot") && !style.equals("blocks")) {
                throw new ParameterException(spec.commandLine(), output + ": DOT output is for --style blocks");
            }
        }
        if (!(scale > 0 && scale <= 8)) {
            throw new ParameterException(spec.commandLine(), "--scale must be in (0, 8], got " + scale);
        }
        Drawing drawing = draw(model, style, depth, expand, inputShape);
        Scene scene = drawing.scene();
        for (Path output : outputs) {
            Path parent = output.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            switch (extension(output)) {
                case "svg" -> AtomicFiles.write(output, SvgWriter.svg(scene, drawing.title()).getBytes(StandardCharsets.UTF_8));
                case "png" -> Images.writePngAtomically(ScenePainter.paint(scene, scale), output);
                default -> AtomicFiles.write(output, DotWriter.dot(drawing.graph(), drawing.items()).getBytes(StandardCharsets.UTF_8));
            }
            spec.commandLine().getOut().println("wrote " + output);
        }
        return 0;
    }

    /** A drawn network: the scene, and for blocks the graph and boxes DOT needs. */
    public record Drawing(Scene scene, String title, NetworkGraph graph, List<Hierarchy.Item> items) { }

    /** Draws a model in a style; the viewer shows the same drawings. */
    public static Drawing draw(String model, String style, String depth, List<String> expand, String inputShape) throws IOException {
        Loaded loaded = load(model, inputShape);
        switch (style) {
            case "blocks" -> {
                NetworkGraph graph = NetworkGraph.of(loaded.network(), loaded.input(), loaded.title());
                List<Hierarchy.Item> items = new Hierarchy(graph).items(Hierarchy.Depth.fromId(depth), new LinkedHashSet<>(expand));
                return new Drawing(BlockDiagram.scene(graph, items), loaded.title(), graph, items);
            }
            case "3d" -> {
                return new Drawing(VolumeDiagram.scene(NetworkGraph.of(loaded.network(), loaded.input(), loaded.title())), loaded.title(), null, null);
            }
            case "nodes" -> {
                if (!(loaded.network() instanceof MultiLayerNetwork mln)) {
                    throw new IllegalArgumentException("a node-link diagram needs a MultiLayerNetwork of dense layers; "
                            + loaded.title() + " is a graph (use --style blocks)");
                }
                return new Drawing(NodeLinkDiagram.scene(mln, loaded.title()), loaded.title(), null, null);
            }
            default -> throw new IllegalArgumentException("unknown --style '" + style + "'; valid: blocks, nodes, 3d");
        }
    }

    private record Loaded(Model network, InputType input, String title) { }

    private static Loaded load(String model, String inputShape) throws IOException {
        String id = model.toLowerCase(Locale.ROOT);
        switch (id) {
            case "resnet50":
                return zoo(ResNet50.builder().numClasses(1000).build(), "ResNet-50 (DL4J zoo, random weights)");
            case "vgg16":
                return zoo(VGG16.builder().numClasses(1000).build(), "VGG-16 (DL4J zoo, random weights)");
            case "alexnet":
                return zoo(AlexNet.builder().numClasses(1000).build(), "AlexNet (DL4J zoo, random weights)");
            case "squeezenet":
                return zoo(SqueezeNet.builder().numClasses(1000).build(), "SqueezeNet (DL4J zoo, random weights)");
            case "fashion-cnn":
                return zip(Path.of(System.getenv().getOrDefault("HEED_HOME", ".")).resolve("toolkit/models/fashion-cnn.zip"), inputShape);
            default:
                return zip(Path.of(model), inputShape);
        }
    }

    private static Loaded zoo(ZooModel zoo, String title) {
        int[] shape = zoo.metaData().getInputShape()[0];
        return new Loaded(zoo.init(), InputType.convolutional(shape[1], shape[2], shape[0]), title);
    }

    private static Loaded zip(Path zip, String inputShape) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException(zip + ": no such model file (or an unknown zoo name; valid: resnet50, vgg16, alexnet, squeezenet, fashion-cnn)");
        }
        Model network;
        try {
            network = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
        } catch (Exception notMultiLayer) {
            try {
                network = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
            } catch (Exception e) {
                throw new IOException(zip + ": not a DL4J model zip (" + e.getMessage() + ")", e);
            }
        }
        return new Loaded(network, inputType(zip, network, inputShape), zip.getFileName().toString());
    }

    private static InputType inputType(Path zip, Model network, String inputShape) throws IOException {
        if (inputShape != null) {
            String[] parts = inputShape.trim().split("[,x]");
            if (parts.length == 1) {
                return InputType.feedForward(Long.parseLong(parts[0].trim()));
            }
            int[] s = ModelCard.parseShape(inputShape);
            return InputType.convolutional(s[1], s[2], s[0]);
        }
        ModelCard card = Dl4jModels.readCard(zip);
        if (card != null) {
            return InputType.convolutional(card.height(), card.width(), card.channels());
        }
        if (network instanceof MultiLayerNetwork mln
                && mln.getLayerWiseConfigurations().getConf(0).getLayer() instanceof FeedForwardLayer ff
                && !(ff instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
            return InputType.feedForward(ff.getNIn());
        }
        throw new IOException(zip + ": the model has no heed.json card; pass --input-shape C,H,W");
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
