package dev.heed.viewer;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A map source whose maps are known and whose computations a test can hold back: 4x3 maps rising by 1 per pixel,
 * method m on image k starting at {@code 100m + 10k}, except the signed method 1, which starts at {@code 10k - 6}.
 */
final class FakeSource implements MapSource {
    static final int SIGNED_METHOD = 1;
    final AtomicInteger computed = new AtomicInteger();
    final java.util.Set<String> callingThreads = ConcurrentHashMap.newKeySet();
    final ConcurrentHashMap<Integer, CountDownLatch> holds = new ConcurrentHashMap<>();
    final ConcurrentHashMap<Integer, CountDownLatch> started = new ConcurrentHashMap<>();
    private final List<DisplayImage> images = List.of(
            new DisplayImage("a.png", 4, 3, new int[12]), new DisplayImage("b.png", 4, 3, new int[12]));

    /** Computations of {@code method} wait until {@link #release}. */
    void hold(int method) {
        holds.put(method, new CountDownLatch(1));
        started.put(method, new CountDownLatch(1));
    }

    /** Waits until a held computation of {@code method} has begun. */
    boolean awaitStarted(int method) throws InterruptedException {
        return started.get(method).await(10, TimeUnit.SECONDS);
    }

    void release(int method) {
        holds.get(method).countDown();
    }

    @Override
    public List<DisplayImage> images() {
        return images;
    }

    @Override
    public List<String> skipped() {
        return List.of("broken.png: empty file (0 bytes)");
    }

    @Override
    public List<String> methods() {
        return List.of("one", "two", "three");
    }

    @Override
    public int layers() {
        return 0;
    }

    @Override
    public int heads() {
        return 0;
    }

    @Override
    public List<Prediction> predictions(int image) {
        callingThreads.add(Thread.currentThread().getName());
        return List.of(new Prediction(3, "cat", 0.7f), new Prediction(1, "dog", 0.2f));
    }

    @Override
    public ComputedMap compute(ViewState.MapKey key) throws InterruptedException {
        callingThreads.add(Thread.currentThread().getName());
        CountDownLatch hold = holds.get(key.method());
        if (hold != null) {
            started.get(key.method()).countDown();
        }
        if (hold != null && !hold.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("held too long");
        }
        computed.incrementAndGet();
        // method 1 ("two") is signed, like a gradient: values either side of 0; the others are not
        boolean signed = key.method() == SIGNED_METHOD;
        float[] values = new float[12];
        for (int i = 0; i < values.length; i++) {
            values[i] = signed ? key.image() * 10 + i - 6 : key.method() * 100 + key.image() * 10 + i;
        }
        return new ComputedMap(key, values, 4, 3, signed, "method " + key.method(), 1);
    }

    @Override
    public String describe() {
        return "fake";
    }

    @Override
    public void close() {
    }
}
