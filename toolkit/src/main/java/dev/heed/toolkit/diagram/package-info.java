/**
 * Architecture diagrams of DL4J networks, as the lecture draws them: block diagrams with hyper-parameters and
 * hierarchical grouping (ResNet stages collapse to one block), neuron-level node-link diagrams of small dense nets, and
 * VGG-style 3-D blocks. {@link dev.heed.toolkit.diagram.NetworkGraph} reads a network; each style lays it out as a
 * {@link dev.heed.toolkit.diagram.Scene} of plain shapes (a long network in bands that {@link
 * dev.heed.toolkit.diagram.Pages} puts on pages of bounded size), which {@link dev.heed.toolkit.diagram.SvgWriter} and
 * {@link dev.heed.toolkit.diagram.ScenePainter} turn into SVG and PNG with the same geometry; {@link
 * dev.heed.toolkit.diagram.DotWriter} writes Graphviz DOT.
 */
package dev.heed.toolkit.diagram;
