package dev.heed.toolkit.cli;

import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.diagram.ScenePainter;
import dev.heed.toolkit.diagram.SvgWriter;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.training.CurvesChart;
import dev.heed.toolkit.training.TrainingHistory;
import dev.heed.toolkit.training.TrainingLogReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heed curves}: training curves with alerts from a {@code train.jsonl}, as SVG or PNG. */
@Command(name = "curves", mixinStandardHelpOptions = true,
        description = "Draw the curves of a training log written by `heed train --log DIR` (DIR/train.jsonl): loss with "
                + "validation loss, gradient norm and update ratio per layer, alerts marked. The extension picks SVG or PNG.",
        footer = {"%nExamples:",
                "  heed curves --log runs/cnn --output curves.svg",
                "  heed curves --log runs/cnn/train.jsonl --output c.png --output c.svg"})
public final class CurvesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--log", required = true, description = "a train.jsonl, or the folder holding it")
    Path log;

    @Option(names = "--output", required = true, description = "file to write, .svg or .png; repeat for both")
    List<Path> outputs;

    @Override
    public Integer call() throws Exception {
        // every path is checked before the log is read, each with one line naming it
        Path file = Files.isDirectory(log) ? log.resolve("train.jsonl") : log;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such training log" + (Files.isDirectory(log) ? "" : " (give a train.jsonl or the folder of `heed train --log`)"));
        }
        for (Path output : outputs) {
            String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
            if (!name.endsWith(".svg") && !name.endsWith(".png")) {
                throw new IllegalArgumentException(output + ": use a .svg or .png name");
            }
            TrainCommand.checkOutputFile("--output", output);
        }
        TrainingHistory history = TrainingLogReader.read(file);
        Scene scene = CurvesChart.scene(history, "training curves · " + file);
        for (Path output : outputs) {
            try {
                Files.createDirectories(output.toAbsolutePath().getParent());
                if (output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
                    AtomicFiles.write(output, SvgWriter.svg(scene, "training curves").getBytes(StandardCharsets.UTF_8));
                } else {
                    Images.writePngAtomically(ScenePainter.paint(scene, 1.5), output);
                }
            } catch (IOException e) {
                throw PlaygroundCommand.cannotWrite(output, e);
            }
            spec.commandLine().getOut().println("wrote " + output);
        }
        spec.commandLine().getOut().printf("%d iterations, %d epochs, %d alerts%n", history.steps().size(), history.epochs().size(),
                history.alerts().size());
        return 0;
    }
}
