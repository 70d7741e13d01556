package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.method.catalogue.SquaredGradientProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A method from outside the toolkit (a provider in test code, found through its services file) is offered by
 * {@code heed methods} and runs under {@code heed overlay --method}, with its id in provenance.
 */
class UserMethodTest {
    @TempDir
    Path tmp;

    @Test
    void aUsersMethodIsListedAndRunsFromTheCommandLine() throws Exception {
        Run methods = heed("methods");
        assertEquals(0, methods.exit(), methods.err());
        assertTrue(methods.out().lines().anyMatch(l -> l.startsWith(SquaredGradientProvider.ID + " ")), methods.out());
        assertTrue(methods.out().lines().findFirst().orElseThrow().startsWith("gradient "), "Heed's own methods come first: " + methods.out());

        Path input = Files.copy(TestModels.FASHION_SAMPLES.resolve("0000-ankle-boot.png"), tmp.resolve("boot.png"));
        Path out = tmp.resolve("out");
        Run overlay = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", SquaredGradientProvider.ID,
                "--input", input.toString(), "--output", out.toString(), "--backend", "cpu");
        assertEquals(0, overlay.exit(), overlay.err());
        Map<String, Object> summary = Json.read(out.resolve("summary." + SquaredGradientProvider.ID + ".json"));
        assertEquals(1, ((Number) ((Map<?, ?>) summary.get("counts")).get("maps")).intValue());
        Map<String, Object> index = Json.read(out.resolve("boot." + SquaredGradientProvider.ID + ".json"));
        assertEquals(SquaredGradientProvider.ID, index.get("method"));
    }
}
