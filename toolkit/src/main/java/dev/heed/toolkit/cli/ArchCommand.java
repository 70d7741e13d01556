package dev.heed.toolkit.cli;

import dev.heed.toolkit.diagram.DotWriter;
import dev.heed.toolkit.diagram.Drawings;
import dev.heed.toolkit.diagram.Hierarchy;
import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.diagram.ScenePainter;
import dev.heed.toolkit.diagram.SvgWriter;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.render.Images;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heed arch}: architecture diagrams of DL4J networks as SVG, PNG or Graphviz DOT. */
@Command(name = "arch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw a DL4J network: a block diagram with hyper-parameters, output shapes and parameter counts, grouped "
                + "hierarchically (ResNet stages collapse to one box; --expand opens them); a neuron-level node-link diagram of a "
                + "small dense network, weights coloured by sign and sized by magnitude; or VGG-style 3-D blocks.",
                "The output file's extension picks the format: .svg, .png or .dot (blocks only). Zoo networks are built with "
                        + "random weights, offline. A drawing larger than a page (2400 units a side) wraps into columns or rows "
                        + "and, if still too large, is written as pages NAME.1.svg, NAME.2.svg, ..."},
        footer = {"%nExamples:",
                "  heed arch --model resnet50 --output resnet50.svg --output resnet50.png",
                "  heed arch --model resnet50 --style 3d --output resnet50-3d.png",
                "  heed arch --model resnet50 --depth layers --output resnet50-layers.svg"})
public final class ArchCommand implements Callable<Integer> {
    /** The zoo networks built offline with random weights, and the bundled one. */
    static final List<String> ZOO = List.of("resnet50", "vgg16", "alexnet", "squeezenet", "fashion-cnn");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|ZIP",
            description = "resnet50, vgg16, alexnet, squeezenet (DL4J zoo), fashion-cnn (bundled), or a DL4J model zip")
    String model;

    @Option(names = "--style", paramLabel = "STYLE", description = "blocks | nodes | 3d (default: ${DEFAULT-VALUE})")
    String style = "blocks";

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "file to write: .svg, .png or .dot; repeat for several formats. A drawing of several pages is written "
                    + "as FILE's name with .1, .2, ... before the extension")
    List<Path> outputs;

    @Option(names = "--depth", paramLabel = "DEPTH",
            description = "blocks: stages | blocks | layers, how far repeated structures collapse (default: ${DEFAULT-VALUE})")
    String depth = "stages";

    @Option(names = "--expand", split = ",", paramLabel = "NAME",
            description = "blocks: stage or block names to open one level deeper (e.g. stage3,block2a)")
    List<String> expand = List.of();

    @Option(names = "--input-shape", paramLabel = "SHAPE", description = "C,H,W (images) or N (vectors) for a model zip without a heed.json card")
    String inputShape;

    @Option(names = "--scale", paramLabel = "X", description = "PNG pixels per SVG unit (default: ${DEFAULT-VALUE})")
    double scale = 1.5;

    @Override
    public Integer call() throws IOException {
        if (!List.of("blocks", "nodes", "3d").contains(style)) {
            return fail("--style", "unknown style '" + style + "'; valid: blocks, nodes, 3d");
        }
        try {
            Hierarchy.Depth.fromId(depth);
        } catch (IllegalArgumentException e) {
            return fail("--depth", e.getMessage());
        }
        if (!(scale > 0 && scale <= 8)) {
            return fail("--scale", "must be in (0, 8], got " + scale);
        }
        for (Path output : outputs) {
            String problem = outputProblem(output);
            if (problem != null) {
                return fail(output.toString(), problem);
            }
        }
        String modelProblem = modelProblem(model);
        if (modelProblem != null) {
            return fail(model, modelProblem);
        }
        Drawings.Drawing drawing = Drawings.draw(model, style, depth, expand, inputShape);
        for (Path output : outputs) {
            String ext = extension(output);
            if (ext.equals("dot")) {
                AtomicFiles.write(output, DotWriter.dot(drawing.graph(), drawing.items()).getBytes(StandardCharsets.UTF_8));
                spec.commandLine().getOut().println("wrote " + output);
                continue;
            }
            List<Scene> pages = drawing.pages();
            for (int p = 0; p < pages.size(); p++) {
                Path file = pages.size() == 1 ? output : pageFile(output, p + 1);
                String title = pages.size() == 1 ? drawing.title() : drawing.title() + " (page " + (p + 1) + " of " + pages.size() + ")";
                if (ext.equals("svg")) {
                    AtomicFiles.write(file, SvgWriter.svg(pages.get(p), title).getBytes(StandardCharsets.UTF_8));
                } else {
                    Images.writePngAtomically(ScenePainter.paint(pages.get(p), scale), file);
                }
                spec.commandLine().getOut().println("wrote " + file);
            }
        }
        return 0;
    }

    /** {@code dir/name.svg} as page {@code n}: {@code dir/name.n.svg}. */
    static Path pageFile(Path output, int page) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return output.resolveSibling(name.substring(0, dot) + "." + page + name.substring(dot));
    }

    private int fail(String subject, String problem) {
        spec.commandLine().getErr().println("heed arch: " + subject + ": " + problem);
        return 2;
    }

    /** Why an output cannot be written, or null: checked before the network is built, which can take seconds. */
    private String outputProblem(Path output) {
        String ext = extension(output);
        if (!List.of("svg", "png", "dot").contains(ext)) {
            return "unknown format '." + ext + "'; use .svg, .png or .dot";
        }
        if (ext.equals("dot") && !style.equals("blocks")) {
            return "DOT output is for --style blocks";
        }
        if (Files.isDirectory(output)) {
            return "is a folder; name a file to write";
        }
        Path parent = output.toAbsolutePath().getParent();
        if (!Files.exists(parent)) {
            return "folder " + parent + " does not exist";
        }
        if (!Files.isDirectory(parent)) {
            return parent + " is not a folder";
        }
        if (!Files.isWritable(parent)) {
            return "folder " + parent + " is not writable";
        }
        if (Files.exists(output) && !Files.isWritable(output)) {
            return "exists and is not writable";
        }
        return null;
    }

    /** Why a model name or zip cannot be drawn, or null; a zip is only opened here, the network is built later. */
    private static String modelProblem(String model) {
        String id = model.toLowerCase(Locale.ROOT);
        if (ZOO.contains(id) && !id.equals("fashion-cnn")) {
            return null;
        }
        Path zip = id.equals("fashion-cnn") ? bundledModel() : Path.of(model);
        String subject = id.equals("fashion-cnn") ? "the bundled model " + zip + " " : "";
        if (!Files.exists(zip)) {
            return subject + (subject.isEmpty() ? "no such model file, and not a zoo name (valid: " + String.join(", ", ZOO) + ")"
                    : "is missing (set HEED_HOME to the Heed folder)");
        }
        if (Files.isDirectory(zip)) {
            return subject + "is a folder, not a DL4J model zip";
        }
        if (!Files.isReadable(zip)) {
            return subject + "cannot be read";
        }
        try (ZipFile z = new ZipFile(zip.toFile())) {
            if (z.getEntry("configuration.json") == null) {
                return subject + "is a zip but not a DL4J model (no configuration.json)";
            }
        } catch (IOException e) {
            return subject + "is not a zip file (corrupt, or another format)";
        }
        return null;
    }

    private static Path bundledModel() {
        return Drawings.bundledModel();
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
