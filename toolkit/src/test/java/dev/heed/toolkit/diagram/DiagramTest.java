package dev.heed.toolkit.diagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class DiagramTest {
    private static final InputType IMAGENET = InputType.convolutional(224, 224, 3);
    private static ComputationGraph resnet;
    private static NetworkGraph resnetGraph;

    @BeforeAll
    static void buildResNet() {
        resnet = (ComputationGraph) ResNet50.builder().numClasses(1000).build().init();
        resnetGraph = NetworkGraph.of(resnet, IMAGENET, "ResNet-50");
    }

    /** DL4J's own summary table: vertex name -> (total params, output shape text). */
    private static Map<String, String[]> dl4jSummary(String summary) {
        Map<String, String[]> rows = new HashMap<>();
        Pattern row = Pattern.compile("^(\\S+) \\((\\w+)\\)\\s+\\S+\\s+(\\S+)\\s.*?(InputType\\w+\\([^)]*\\)|-)\\s*$");
        for (String line : summary.split("\n")) {
            Matcher m = row.matcher(line.trim());
            if (m.matches()) {
                rows.put(m.group(1), new String[] {m.group(3), m.group(4)});
            }
        }
        return rows;
    }

    private static String dl4jShape(NetworkGraph.Shape s) {
        return s.spatial() ? "InputTypeConvolutional(h=" + s.height() + ",w=" + s.width() + ",c=" + s.channels() + ",NCHW)"
                : "InputTypeFeedForward(" + s.size() + ")";
    }

    @Test
    void resnetNodesShapesAndParameterCountsMatchDl4jsOwnSummary() {
        Map<String, String[]> summary = dl4jSummary(resnet.summary(IMAGENET));
        assertEquals(resnet.getConfiguration().getVertices().size() + 1, resnetGraph.nodes().size(), "every vertex plus the input");
        assertEquals(resnetGraph.nodes().size(), summary.size(), "the summary has one row per node: " + summary.keySet());
        for (NetworkGraph.Node node : resnetGraph.nodes()) {
            String[] expected = summary.get(node.name());
            assertTrue(expected != null, node.name() + " is in DL4J's summary");
            long params = expected[0].equals("-") ? 0 : Long.parseLong(expected[0].replace(",", ""));
            assertEquals(params, node.params(), node.name());
            if (!node.isInput()) {
                assertEquals(expected[1], dl4jShape(node.output()), node.name());
            }
        }
        assertEquals(resnet.numParams(), resnetGraph.totalParams());
    }

    @Test
    void resnetCollapsesIntoItsFourStagesOfThreeFourSixAndThreeBlocks() {
        Hierarchy h = new Hierarchy(resnetGraph);
        assertEquals(List.of("stage2", "stage3", "stage4", "stage5"), h.stageNames());
        assertEquals(16, h.blockNames().size());
        List<Hierarchy.Item> stages = h.items(Hierarchy.Depth.STAGES, Set.of());
        List<Integer> blocksPerStage = stages.stream().filter(i -> i.kind().equals("stage")).map(Hierarchy.Item::blocks).toList();
        assertEquals(List.of(3, 4, 6, 3), blocksPerStage);
        for (Hierarchy.Depth depth : Hierarchy.Depth.values()) {
            for (Set<String> expand : List.of(Set.<String>of(), Set.of("stage3", "block2a"))) {
                List<Hierarchy.Item> items = h.items(depth, expand);
                List<String> covered = new ArrayList<>();
                items.forEach(i -> covered.addAll(i.members()));
                assertEquals(resnetGraph.nodes().size(), covered.size(), depth + " " + expand + ": every node in exactly one box");
                assertEquals(resnetGraph.nodes().size(), new HashSet<>(covered).size());
                assertEquals(resnetGraph.totalParams(), items.stream().mapToLong(Hierarchy.Item::params).sum());
            }
        }
        assertEquals(resnetGraph.nodes().size(), h.items(Hierarchy.Depth.LAYERS, Set.of()).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.items(Hierarchy.Depth.STAGES, Set.of("stage9")));
        assertTrue(e.getMessage().startsWith("no stage or block named 'stage9'"), e.getMessage());
    }

    @Test
    void aBlockDiagramIsWellFormedSvgAndItsPngShowsEveryBoxInItsColour() throws Exception {
        List<Hierarchy.Item> items = new Hierarchy(resnetGraph).items(Hierarchy.Depth.STAGES, Set.of("stage2", "block2a"));
        Scene scene = BlockDiagram.scene(resnetGraph, items);
        Document svg = parse(SvgWriter.svg(scene, "ResNet-50 <&>"));
        assertEquals("svg", svg.getDocumentElement().getTagName());
        List<String> titledBoxes = new ArrayList<>();
        NodeList rects = svg.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            if (((Element) rects.item(i)).getElementsByTagName("title").getLength() == 1) {
                titledBoxes.add(rects.item(i).getTextContent());
            }
        }
        assertEquals(items.size(), titledBoxes.size(), "one box per item");
        String text = svg.getDocumentElement().getTextContent();
        for (Hierarchy.Item item : items) {
            assertTrue(text.contains(item.title()), item.title() + " is labelled");
        }
        assertTrue(text.contains("ResNet-50 <&>"), "the title round-trips through escaping");
        BufferedImage png = ScenePainter.paint(scene, 1.0);
        int checked = 0;
        for (Scene.Shape s : scene.shapes()) {
            if (s instanceof Scene.Rect r && r.tooltip() != null) {
                int rgb = png.getRGB((int) (r.x() + 3), (int) (r.y() + r.height() - 3)) & 0xFFFFFF;
                assertTrue(close(rgb, r.fill()), String.format("box at %.0f,%.0f painted %06x, expected %06x", r.x(), r.y(), rgb, r.fill()));
                checked++;
            }
        }
        assertEquals(items.size(), checked);
        String dot = DotWriter.dot(resnetGraph, items);
        long edges = dot.lines().filter(l -> l.contains("->")).count();
        assertEquals(items.stream().mapToLong(i -> i.inputs().size()).sum(), edges);
        assertTrue(dot.startsWith("digraph \"ResNet-50\" {") && dot.trim().endsWith("}"));
    }

    @Test
    void theBundledCnnIsDrawnLayerByLayerWithItsRealParameterCounts() throws Exception {
        MultiLayerNetwork cnn = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(TestModels.BUNDLED_MODEL.toFile(), false);
        NetworkGraph g = NetworkGraph.of(cnn, InputType.convolutional(28, 28, 1), "fashion-cnn");
        assertEquals(cnn.getnLayers() + 1, g.nodes().size());
        assertEquals(cnn.numParams(), g.totalParams());
        for (int i = 0; i < cnn.getnLayers(); i++) {
            assertEquals(cnn.getLayer(i).numParams(), g.nodes().get(i + 1).params());
        }
        Hierarchy h = new Hierarchy(g);
        assertTrue(h.blockNames().isEmpty() && h.stageNames().isEmpty(), "a sequential net has no blocks");
    }

    @Test
    void nodeLinkDiagramDrawsEveryNeuronAndWeightColouredBySign() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2).activation(Activation.IDENTITY).build())
                .build());
        net.init();
        Scene scene = NodeLinkDiagram.scene(net, "3-4-2");
        List<Scene.Circle> circles = scene.shapes().stream().filter(s -> s instanceof Scene.Circle).map(s -> (Scene.Circle) s).toList();
        List<Scene.Line> lines = scene.shapes().stream().filter(s -> s instanceof Scene.Line l && l.tooltip() != null)
                .map(s -> (Scene.Line) s).toList();
        assertEquals(3 + 4 + 2, circles.size());
        assertEquals(3 * 4 + 4 * 2, lines.size());
        double max = Math.max(net.getLayer(0).getParam("W").amaxNumber().doubleValue(), net.getLayer(1).getParam("W").amaxNumber().doubleValue());
        for (Scene.Line line : lines) {
            double w = Double.parseDouble(line.tooltip().substring(line.tooltip().indexOf('=') + 1).trim());
            assertEquals(w >= 0 ? NodeLinkDiagram.POSITIVE : NodeLinkDiagram.NEGATIVE, line.stroke(), line.tooltip());
            assertEquals(0.4 + 3.2 * Math.abs(w) / max, line.strokeWidth(), 1e-3, line.tooltip());
        }
        parse(SvgWriter.svg(scene, "3-4-2"));
        MultiLayerNetwork wide = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(10).build())
                .layer(new OutputLayer.Builder().nIn(10).nOut(10).build()).build());
        wide.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeLinkDiagram.scene(wide, "wide"));
        assertTrue(e.getMessage().contains("804 neurons"), e.getMessage());
    }

    @Test
    void vggIsDrawnAsThreeDimensionalSlabsLabelledWithTheirShapes() throws Exception {
        NetworkGraph vgg = NetworkGraph.of(VGG16.builder().numClasses(1000).build().init(), IMAGENET, "VGG-16");
        Scene scene = VolumeDiagram.scene(vgg);
        long slabs = scene.shapes().stream().filter(s -> s instanceof Scene.Rect r && r.tooltip() != null).count();
        assertEquals(1 + 13 + 5 + 3, slabs, "input, 13 convolutions, 5 poolings, 3 dense layers");
        List<String> labels = scene.shapes().stream().filter(s -> s instanceof Scene.Text).map(s -> ((Scene.Text) s).text()).toList();
        assertTrue(labels.contains("224×224×64") && labels.contains("7×7×512") && labels.contains("4096"), labels.toString());
        parse(SvgWriter.svg(scene, "VGG-16"));
    }

    @Test
    void resnetIn3dWrapsIntoOnePageWithinBoundsAndDrawsEverySkipConnection() throws Exception {
        List<Scene> pages = VolumeDiagram.pages(resnetGraph);
        for (Scene page : pages) {
            assertWithinPage(page);
        }
        Set<String> expected = new HashSet<>();
        List<NetworkGraph.Node> nodes = resnetGraph.nodes();
        for (int i = 1; i < nodes.size(); i++) {
            NetworkGraph.Node merge = nodes.get(i);
            if (merge.kind().equals("ElementWiseVertex")) {
                for (String in : merge.inputs()) {
                    if (!in.equals(nodes.get(i - 1).name())) {
                        expected.add(in + " → " + merge.name());
                    }
                }
            }
        }
        assertEquals(16, expected.size(), "ResNet-50 has 16 shortcut adds");
        List<String> drawn = new ArrayList<>();
        for (Scene page : pages) {
            page.shapes().stream().filter(s -> s instanceof Scene.Line l && l.tooltip() != null && l.tooltip().startsWith("skip connection "))
                    .forEach(s -> drawn.add(((Scene.Line) s).tooltip().substring("skip connection ".length())));
        }
        assertEquals(expected, new HashSet<>(drawn), "every skip connection drawn");
        assertEquals(16, drawn.size(), "each drawn once");
        assertEquals(1, pages.size(), "wrapped into rows, ResNet-50 fits one page");
        assertLegendListsExactlyTheKindsDrawn(pages);
        BufferedImage png = ScenePainter.paint(pages.get(0), 1.5);
        assertTrue(png.getWidth() <= 4096 && png.getHeight() <= 4096, png.getWidth() + "×" + png.getHeight());
    }

    @Test
    void resnetLayerByLayerGoesOntoSeveralBoundedPagesWithEveryLayerOnce() {
        List<Hierarchy.Item> items = new Hierarchy(resnetGraph).items(Hierarchy.Depth.LAYERS, Set.of());
        List<Scene> pages = BlockDiagram.pages(resnetGraph, items);
        assertTrue(pages.size() > 1, "177 layers do not fit one page");
        List<String> boxes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Scene page : pages) {
            assertWithinPage(page);
            page.shapes().stream().filter(s -> s instanceof Scene.Rect r && r.tooltip() != null).forEach(s -> boxes.add(((Scene.Rect) s).tooltip()));
            page.shapes().stream().filter(s -> s instanceof Scene.Text).forEach(s -> texts.add(((Scene.Text) s).text()));
        }
        assertEquals(items.size(), boxes.size(), "every layer drawn exactly once over all pages");
        for (Hierarchy.Item item : items) {
            assertEquals(1, texts.stream().filter(t -> t.equals(item.title())).count(), item.title() + " titled once");
        }
        long continued = texts.stream().filter(t -> t.startsWith("from ")).count();
        assertTrue(continued >= pages.size() - 1, "each column after the first starts with a 'from' box");
        assertTrue(texts.stream().anyMatch(t -> t.endsWith("page 1 of " + pages.size())), "pages are numbered");
    }

    @Test
    void squeezeNetsLossLayerShowsTheScoresItReceivesNotUnitsZero() throws Exception {
        NetworkGraph squeeze = NetworkGraph.of(SqueezeNet.builder().numClasses(1000).build().init(), InputType.convolutional(227, 227, 3),
                "SqueezeNet");
        NetworkGraph.Node loss = squeeze.nodes().get(squeeze.nodes().size() - 1);
        assertEquals("LossLayer", loss.kind());
        assertEquals(1000, loss.output().size());
        assertTrue(!loss.hyper().containsKey("units") && loss.hyper().containsKey("loss"), loss.hyper().toString());
        List<Hierarchy.Item> items = new Hierarchy(squeeze).items(Hierarchy.Depth.LAYERS, Set.of());
        String svg = BlockDiagram.pages(squeeze, items).stream().map(p -> SvgWriter.svg(p, "SqueezeNet")).reduce("", String::concat);
        assertTrue(!svg.contains("units 0") && !svg.contains("out 0<"), "no box says units 0 or out 0");
        String lossBox = DotWriter.dot(squeeze, items).lines().filter(l -> l.trim().startsWith("\"loss\" [")).findFirst().orElseThrow();
        assertTrue(lossBox.contains("\\nout 1000\"") && lossBox.contains("#d5efd0"), "the loss box: 1000 scores, output colour: " + lossBox);
        List<Scene> volume = VolumeDiagram.pages(squeeze);
        List<String> labels = volume.get(volume.size() - 1).shapes().stream().filter(s -> s instanceof Scene.Text)
                .map(s -> ((Scene.Text) s).text()).toList();
        assertEquals("output", labels.get(labels.size() - 1), "the 3-D strip ends with the output");
        assertEquals("1000", labels.get(labels.size() - 2));
        assertLegendListsExactlyTheKindsDrawn(volume);
    }

    private static void assertWithinPage(Scene page) {
        assertTrue(page.width() <= Pages.LIMIT && page.height() <= Pages.LIMIT, page.width() + " × " + page.height());
    }

    /** The legend's swatches (rects without a tooltip) are exactly the colours of the slabs, each with its kind's name. */
    private static void assertLegendListsExactlyTheKindsDrawn(List<Scene> pages) {
        Set<Integer> slabColours = new HashSet<>();
        Set<Integer> swatches = new HashSet<>();
        for (Scene page : pages) {
            for (Scene.Shape s : page.shapes()) {
                if (s instanceof Scene.Rect r && r.tooltip() != null) {
                    slabColours.add(r.fill());
                } else if (s instanceof Scene.Rect r && page == pages.get(0)) {
                    swatches.add(r.fill());
                }
            }
        }
        assertEquals(slabColours, swatches);
        List<String> texts = pages.get(0).shapes().stream().filter(s -> s instanceof Scene.Text).map(s -> ((Scene.Text) s).text()).toList();
        for (VolumeDiagram.Kind kind : VolumeDiagram.Kind.values()) {
            assertEquals(slabColours.contains(kind.colour()), texts.contains(kind.label()), kind.label());
        }
    }

    private static boolean close(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) > 2) {
                return false;
            }
        }
        return true;
    }

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
