package dev.heed.benchmarks;

import dev.heed.toolkit.engine.HostTensor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Golden outputs of a plan, as the GPU bundle carries them: named float32 tensors (the input, the score weights, and
 * what the reference executor computed from them) in one small big-endian file. No DL4J: the bundle reads these with
 * the plan ({@code PlanFormat}) and checks the CUDA executor against them on a machine that has only a GPU.
 */
public final class EngineGoldens {
    /** File magic and version. */
    private static final int MAGIC = 0x48454731; // "HEG1"

    private EngineGoldens() {
    }

    public static void write(Map<String, HostTensor> tensors, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(tensors.size());
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            data.writeUTF(e.getKey());
            int[] shape = e.getValue().shape();
            data.writeInt(shape.length);
            for (int d : shape) {
                data.writeInt(d);
            }
            for (float v : e.getValue().data()) {
                data.writeFloat(v);
            }
        }
        data.flush();
    }

    public static Map<String, HostTensor> read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC) {
            throw new IOException("not a Heed golden-output file");
        }
        int count = data.readInt();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (int t = 0; t < count; t++) {
            String name = data.readUTF();
            int rank = data.readInt();
            if (rank < 1 || rank > 8) {
                throw new IOException(name + ": rank " + rank);
            }
            int[] shape = new int[rank];
            long n = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = data.readInt();
                n *= shape[d];
            }
            if (n < 1 || n > (1 << 26)) {
                throw new IOException(name + ": " + n + " values");
            }
            float[] values = new float[(int) n];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.readFloat();
            }
            tensors.put(name, new HostTensor(shape, values));
        }
        return tensors;
    }
}
