package dev.heed.toolkit.api;

import java.util.Comparator;
import java.util.stream.IntStream;

/** Which class scores a method explains: one fixed class, the k highest-scoring classes, or every class. */
public sealed interface Target permits Target.ClassIndex, Target.TopK, Target.AllClasses {

    /** The classes to explain for one image, best first where an order exists. */
    int[] resolve(float[] logits);

    /** A stable text form, e.g. {@code class:3}, {@code top1}, {@code topk:3}, {@code all}. */
    String describe();

    static Target top1() {
        return new TopK(1);
    }

    /** One class for every image. The index is checked against the model's class count when resolved. */
    record ClassIndex(int index) implements Target {
        public ClassIndex {
            if (index < 0) {
                throw new IllegalArgumentException("class index must be >= 0, got " + index);
            }
        }

        @Override
        public int[] resolve(float[] logits) {
            if (index >= logits.length) {
                throw new IllegalArgumentException(
                        "unknown class " + index + ": the model has " + logits.length + " classes (0.." + (logits.length - 1) + ")");
            }
            return new int[] {index};
        }

        @Override
        public String describe() {
            return "class:" + index;
        }
    }

    /** The k classes with the highest logits; ties are broken by the lower index. */
    record TopK(int k) implements Target {
        public TopK {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, got " + k);
            }
        }

        @Override
        public int[] resolve(float[] logits) {
            return IntStream.range(0, logits.length)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                    .limit(k)
                    .mapToInt(Integer::intValue)
                    .toArray();
        }

        @Override
        public String describe() {
            return k == 1 ? "top1" : "topk:" + k;
        }
    }

    /** Every class of the model, in index order. */
    record AllClasses() implements Target {
        @Override
        public int[] resolve(float[] logits) {
            return IntStream.range(0, logits.length).toArray();
        }

        @Override
        public String describe() {
            return "all";
        }
    }

    /** Parses the command-line form; unknown forms list the valid ones. */
    static Target parse(String text) {
        String t = text.trim().toLowerCase();
        try {
            if (t.equals("top1")) {
                return top1();
            }
            if (t.equals("all")) {
                return new AllClasses();
            }
            if (t.startsWith("topk:")) {
                return new TopK(Integer.parseInt(t.substring(5)));
            }
            if (t.startsWith("class:")) {
                return new ClassIndex(Integer.parseInt(t.substring(6)));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below, which names the valid forms
        }
        throw new IllegalArgumentException("unknown target '" + text + "'; valid: top1, topk:K, class:N, all");
    }
}
