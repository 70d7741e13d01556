package dev.heed.toolkit.diagram;

import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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

/**
 * A network drawn in one of the three styles, from a zoo name or a DL4J zip: what {@code heed arch} writes and the
 * viewer's diagram mode shows, so both front ends draw through this one place.
 */
public final class Drawings {
    private Drawings() {
    }

    /** The bundled Fashion-MNIST CNN under $HEED_HOME (default: the current folder). */
    public static Path bundledModel() {
        return Path.of(System.getenv().getOrDefault("HEED_HOME", ".")).resolve("toolkit/models/fashion-cnn.zip");
    }

    /**
     * A drawn network: its pages (one for most networks), and for blocks the graph and boxes DOT needs. {@link #scene()}
     * puts the pages side by side, for the viewer, which pans and zooms.
     */
    public record Drawing(List<Scene> pages, String title, NetworkGraph graph, List<Hierarchy.Item> items) {
        public Scene scene() {
            return Pages.sideBySide(pages);
        }
    }

    /** Draws a model in a style; the viewer shows the same drawings. */
    public static Drawing draw(String model, String style, String depth, List<String> expand, String inputShape) throws IOException {
        Hierarchy.Depth depthLevel = Hierarchy.Depth.fromId(depth);
        if (!List.of("blocks", "nodes", "3d").contains(style)) {
            throw new IllegalArgumentException("unknown --style '" + style + "'; valid: blocks, nodes, 3d");
        }
        Loaded loaded = load(model, inputShape);
        switch (style) {
            case "blocks" -> {
                NetworkGraph graph = NetworkGraph.of(loaded.network(), loaded.input(), loaded.title());
                List<Hierarchy.Item> items = new Hierarchy(graph).items(depthLevel, new LinkedHashSet<>(expand));
                return new Drawing(BlockDiagram.pages(graph, items), loaded.title(), graph, items);
            }
            case "3d" -> {
                return new Drawing(VolumeDiagram.pages(NetworkGraph.of(loaded.network(), loaded.input(), loaded.title())), loaded.title(),
                        null, null);
            }
            default -> {
                if (!(loaded.network() instanceof MultiLayerNetwork mln)) {
                    throw new IllegalArgumentException("a node-link diagram needs a MultiLayerNetwork of dense layers; "
                            + loaded.title() + " is a graph (use --style blocks)");
                }
                return new Drawing(List.of(NodeLinkDiagram.scene(mln, loaded.title())), loaded.title(), null, null);
            }
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
                return zip(bundledModel(), inputShape);
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
}
