package dev.heed.toolkit.engine.onednn;

import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One CPU engine and its stream, for one compiled plan: the lifetime every primitive and weight memory of that plan
 * shares, closed with it. Also the single place where oneDNN calls are made and their failures turned into
 * {@link OneDnnException}.
 */
final class OneDnnContext implements AutoCloseable {
    private final NativeOwner owner = new NativeOwner();
    final engine engine;
    final stream stream;

    OneDnnContext() {
        engine = call("engine creation", () -> owner.own(new engine(org.bytedeco.dnnl.engine.kind.cpu, 0)));
        stream = call("stream creation", () -> owner.own(new stream(engine)));
    }

    /**
     * Runs {@code body}, a oneDNN call or a few, and reports a failure (JavaCPP turns oneDNN's C++ exceptions, which
     * carry the status, into RuntimeExceptions) as the one exception type, naming {@code what}.
     */
    static <T> T call(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (OneDnnException e) {
            throw e;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new OneDnnException(what, String.valueOf(e.getMessage()), e);
        }
    }

    static void run(String what, Runnable body) {
        call(what, () -> {
            body.run();
            return null;
        });
    }

    /** A plain row-major f32 descriptor: {@code nchw} for rank 4, {@code nc} for rank 2, {@code x} for rank 1. */
    static memory.desc plain(NativeOwner owner, long... dims) {
        memory.format_tag tag = switch (dims.length) {
            case 1 -> memory.format_tag.x;
            case 2 -> memory.format_tag.nc;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.nchw;
            case 5 -> memory.format_tag.goihw;
            default -> throw new IllegalArgumentException("no plain layout for rank " + dims.length);
        };
        return owner.own(new memory.desc(dims, memory.data_type.f32, tag));
    }

    /** A plain row-major f32 descriptor of any rank from 1 to 5 ({@code a}, {@code ab}, {@code abc}, ...). */
    static memory.desc plainAny(NativeOwner owner, long... dims) {
        memory.format_tag tag = switch (dims.length) {
            case 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.abcd;
            case 5 -> memory.format_tag.abcde;
            default -> throw new IllegalArgumentException("no plain layout for rank " + dims.length);
        };
        return owner.own(new memory.desc(dims, memory.data_type.f32, tag));
    }

    /** A descriptor whose layout the primitive chooses ({@code format_tag::any}). */
    static memory.desc any(NativeOwner owner, long... dims) {
        return owner.own(new memory.desc(dims, memory.data_type.f32, memory.format_tag.any));
    }

    /** A new memory of {@code desc}, allocated by oneDNN (aligned), freed with {@code owner}. */
    memory allocate(NativeOwner owner, memory.desc desc) {
        return call("memory allocation", () -> owner.own(new memory(desc, engine)));
    }

    /** A second view of {@code of}'s buffer with another descriptor; {@code of}'s owner must outlive it. */
    memory view(NativeOwner owner, memory of, memory.desc desc) {
        return call("memory view", () -> owner.own(new memory(desc, engine, of.get_data_handle())));
    }

    /** Runs one primitive with its arguments, keyed by {@code DNNL_ARG_*}. */
    void execute(String what, primitive p, Map<Integer, memory> args) {
        run(what, () -> {
            try (IntMemoryMap map = new IntMemoryMap()) {
                args.forEach(map::put);
                p.execute(stream, map);
            }
        });
    }

    /** Waits for the stream, so that host reads see every result. */
    void synchronize() {
        run("stream wait", stream::_wait);
    }

    /** Copies {@code values} into a plain memory holding exactly that many floats. */
    static void write(memory m, float[] values) {
        run("host write", () -> {
            try (FloatPointer p = new FloatPointer(m.get_data_handle())) {
                p.put(values, 0, values.length);
            }
        });
    }

    /** The first {@code count} floats of a plain memory. */
    static float[] read(memory m, int count) {
        return call("host read", () -> {
            float[] values = new float[count];
            try (FloatPointer p = new FloatPointer(m.get_data_handle())) {
                p.get(values, 0, count);
            }
            return values;
        });
    }

    static void zero(memory m, long bytes) {
        run("memset", () -> {
            Pointer handle = m.get_data_handle();
            Pointer.memset(handle, 0, bytes);
        });
    }

    @Override
    public void close() {
        owner.close();
    }
}
