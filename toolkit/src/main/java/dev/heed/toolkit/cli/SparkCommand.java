package dev.heed.toolkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code heed spark}: how to run {@code heed overlay} over a whole dataset on a Spark cluster. The job itself is the
 * spark module's jar ({@code dev.heed.spark.OverlayJob}); this command only prints a ready-to-edit spark-submit line.
 */
@Command(name = "spark", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 140, // the line must not wrap
        description = {"heed overlay on Apache Spark 3.5: the same options and outputs, over any Hadoop path (file://, hdfs://, s3a://), "
                + "one Spark task per batch; a rerun skips finished images; exit code 0, 1 or 2 as heed overlay's. "
                + "Build the job jar with 'mvn -pl spark -am package' (spark/target/heed-spark.jar). A ready-to-edit line:",
                "",
                SparkCommand.SUBMIT,
                "",
                "spark-submit adds Java 17's --add-opens flags itself. Without GPUs, leave out the three gpu lines and CUDA_DEVICE_ORDER: the CPU engine runs. CUDA_DEVICE_ORDER=PCI_BUS_ID numbers CUDA devices as nvidia-smi does, so the GPU Spark assigns is the one used. "
                + "With them, each executor holds one GPU and runs one task at a time; set OMP_NUM_THREADS to the executor cores."},
        footer = {"%nExamples:",
                "  heed spark                print the spark-submit line",
                "  ./heed spark-local --model toolkit/models/fashion-cnn.zip --method gradcam --input toolkit/samples/fashion-mnist --output out/",
                "                            the job in local[*] mode, no cluster needed"})
public final class SparkCommand implements Callable<Integer> {
    static final String SUBMIT = "spark-submit --master spark://MASTER:7077 \\%n"
            + "  --class dev.heed.spark.OverlayJob \\%n"
            + "  --executor-memory 8g --executor-cores 4 --conf spark.executorEnv.OMP_NUM_THREADS=4 \\%n"
            + "  --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 \\%n"
            + "  --conf spark.executor.resource.gpu.discoveryScript=$HEED_HOME/spark/gpu-discovery.sh \\%n"
            + "  --conf spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID \\%n"
            + "  $HEED_HOME/spark/target/heed-spark.jar \\%n"
            + "  --model hdfs:///models/resnet18.onnx --preset imagenet --method gradcam --target top1 --backend auto \\%n"
            + "  --input hdfs:///data/validation --output hdfs:///heed/validation-gradcam --batch-size 32 --seed 0";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
