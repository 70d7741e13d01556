package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code heed spark} prints a spark-submit line that a shell takes whole: unwrapped, every line but the last continued. */
class SparkCommandTest {
    @Test
    void printsAnUnwrappedSparkSubmitLine() {
        OverlayCommandTest.Run run = OverlayCommandTest.heed("spark");
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        int first = lines.indexOf(lines.stream().filter(l -> l.startsWith("spark-submit ")).findFirst().orElseThrow());
        int last = first;
        while (lines.get(last).endsWith(" \\")) {
            last++;
        }
        List<String> command = lines.subList(first, last + 1);
        assertTrue(command.size() >= 5, run.out());
        String joined = String.join(" ", command);
        for (String part : List.of("--class dev.heed.spark.OverlayJob", "heed-spark.jar", "spark.task.resource.gpu.amount=1",
                "gpu-discovery.sh", "--model ", "--method ", "--input ", "--output ")) {
            assertTrue(joined.contains(part), part + " missing from:\n" + joined);
        }
        assertEquals(run.out(), OverlayCommandTest.heed("spark", "--help").out());
    }
}
