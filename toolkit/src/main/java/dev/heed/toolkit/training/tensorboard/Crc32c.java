package dev.heed.toolkit.training.tensorboard;

import java.util.zip.CRC32C;

/** CRC-32C (Castagnoli) checksums and the masking TFRecord applies to them. */
public final class Crc32c {

    /** TFRecord's masking constant; see {@link #masked(int)}. */
    private static final int MASK_DELTA = 0xa282ead8;

    private Crc32c() {}

    /** The CRC-32C of {@code length} bytes of {@code data} from {@code offset}; the JDK's version is hardware-assisted. */
    public static int of(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    /**
     * The CRC rotated and offset as TFRecord stores it, because a plain CRC of data that itself embeds CRCs is weak.
     */
    public static int masked(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }
}
