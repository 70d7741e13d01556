package dev.heed.toolkit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Fashion-MNIST (Xiao et al., 2017) as installed by Debian's {@code dataset-fashion-mnist}: 28x28 gray, 10 classes. */
public final class FashionMnist {
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final List<String> CLASS_NAMES = List.of("t-shirt", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");

    /** One split: images and labels. */
    public record Split(IdxImages images, byte[] labels) {
        public int size() {
            return images.count();
        }

        /** Images {@code [from, to)} as NCHW floats scaled to [0, 1]. */
        public INDArray features(int from, int to) {
            return features(range(from, to));
        }

        /** The given images as NCHW floats scaled to [0, 1]. */
        public INDArray features(int[] rows) {
            int plane = images.rows() * images.cols();
            float[] data = new float[rows.length * plane];
            byte[] pixels = images.pixels();
            for (int r = 0; r < rows.length; r++) {
                for (int k = 0; k < plane; k++) {
                    data[r * plane + k] = (pixels[rows[r] * plane + k] & 0xFF) / 255f;
                }
            }
            return Nd4j.create(data, new long[] {rows.length, 1, images.rows(), images.cols()}, 'c');
        }

        /** One-hot labels of the given images. */
        public INDArray oneHot(int[] rows) {
            INDArray y = Nd4j.zeros(rows.length, CLASS_NAMES.size());
            for (int r = 0; r < rows.length; r++) {
                y.putScalar(r, labels[rows[r]], 1.0);
            }
            return y;
        }

        private static int[] range(int from, int to) {
            return java.util.stream.IntStream.range(from, to).toArray();
        }
    }

    private FashionMnist() {
    }

    public static Split train(Path dir) throws IOException {
        return split(dir, "train");
    }

    public static Split test(Path dir) throws IOException {
        return split(dir, "t10k");
    }

    private static Split split(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        IdxImages x = IdxImages.readImages(images);
        byte[] y = IdxImages.readLabels(labels);
        if (x.count() != y.length) {
            throw new IOException(dir + ": " + x.count() + " images but " + y.length + " labels");
        }
        return new Split(x, y);
    }

    private static Path find(Path dir, String stem) throws IOException {
        for (String name : List.of(stem + ".gz", stem)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        // one line a first-time user can act on: where we looked, and the command that puts the files there
        throw new IOException(dir + ": no Fashion-MNIST file " + stem + "[.gz] there; install it with `apt-get install "
                + "dataset-fashion-mnist` (as root; files go to " + DEBIAN_DIR + ") or pass --data DIR");
    }
}
