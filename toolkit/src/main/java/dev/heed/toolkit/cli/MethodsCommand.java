package dev.heed.toolkit.cli;

import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code heed methods}: every method id with its paper. */
@Command(name = "methods", mixinStandardHelpOptions = true, description = "List the saliency methods and their papers.",
        footer = {"%nExamples:", "  heed methods", "  heed overlay --method gradcam++ --help   (a method's settings are options of heed overlay)"})
public final class MethodsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        for (MethodCatalogue m : MethodCatalogue.all()) {
            out.printf("%-22s %s%s%n", m.id(), m.paper(), m.settings().isEmpty() ? "" : " [settings: " + String.join(", ", m.settings()) + "]");
        }
        out.flush();
    }
}
