package dev.heed.toolkit.data;

/**
 * A planted shortcut: a small bright square stamped into every image of one class, the cue a model can learn instead
 * of the garment (the lecture's tank-detector story). Used to train a model on the wrong cue and show that saliency
 * finds it.
 *
 * @param row, col top-left corner of the square, in pixels
 */
public record Watermark(int classIndex, int row, int col, int size, int value) {

    /** The default cue: a 4x4 white square near the top-left corner, where Fashion-MNIST images are mostly empty. */
    public static Watermark topLeft(int classIndex) {
        return new Watermark(classIndex, 1, 1, 4, 255);
    }

    /** A copy of the split with the square stamped into every image of the class (or of every class when {@code all}). */
    public FashionMnist.Split stamp(FashionMnist.Split split, boolean all) {
        IdxImages images = split.images();
        byte[] pixels = images.pixels().clone();
        int plane = images.rows() * images.cols();
        for (int i = 0; i < images.count(); i++) {
            if (all || split.labels()[i] == classIndex) {
                for (int r = row; r < row + size; r++) {
                    for (int c = col; c < col + size; c++) {
                        pixels[i * plane + r * images.cols() + c] = (byte) value;
                    }
                }
            }
        }
        return new FashionMnist.Split(new IdxImages(images.count(), images.rows(), images.cols(), pixels), split.labels());
    }

    /** Whether pixel (r, c) lies inside the square. */
    public boolean covers(int r, int c) {
        return r >= row && r < row + size && c >= col && c < col + size;
    }
}
