package dev.unimoe.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy when temperature is 0, else softmax(logits / T)
 * restricted to the top-k most likely tokens and then to the smallest set whose probability
 * reaches top-p, drawn with a seeded generator so runs repeat.
 */
public final class Sampler {
    private final float temperature, topP;
    private final int topK;
    private final SplittableRandom random;
    private int[] order = new int[0];
    private float[] probs = new float[0];

    public Sampler(float temperature, int topK, float topP, long seed) {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be a number >= 0, got " + temperature);
        if (!(topP > 0f && topP <= 1f)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = all tokens), got " + topK);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 0, 1f, 0);
    }

    /** Index of the largest value; the first one on ties (as torch.argmax). */
    public static int argmax(float[] x) {
        return argmax(x, 0, x.length);
    }

    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    /** The n highest [id, logit] pairs, highest first. */
    public static int[] topIds(float[] logits, int off, int n, int count) {
        int[] ids = new int[Math.min(count, n)];
        Arrays.fill(ids, -1);
        for (int i = 0; i < n; i++) {
            float v = logits[off + i];
            int j = ids.length - 1;
            if (ids[j] >= 0 && !(v > logits[off + ids[j]])) continue;
            while (j > 0 && (ids[j - 1] < 0 || v > logits[off + ids[j - 1]])) {
                ids[j] = ids[j - 1];
                j--;
            }
            ids[j] = i;
        }
        return ids;
    }

    public int sample(float[] logits, int off, int n) {
        if (temperature == 0f) return argmax(logits, off, n);
        if (order.length < n) {
            order = new int[n];
            probs = new float[n];
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp((logits[off + i] - max) / temperature);
            sum += probs[i];
        }
        // candidates sorted by probability, descending; a full sort only when top-k/top-p need it
        int m = n;
        Integer[] boxed = null;
        if (topK > 0 || topP < 1f) {
            boxed = new Integer[n];
            for (int i = 0; i < n; i++) boxed[i] = i;
            final float[] p = probs;
            Arrays.sort(boxed, (a, b) -> Float.compare(p[b], p[a]));
            if (topK > 0) m = Math.min(m, topK);
            if (topP < 1f) {
                double acc = 0;
                for (int i = 0; i < m; i++) {
                    acc += probs[boxed[i]] / sum;
                    if (acc >= topP) { m = i + 1; break; }
                }
            }
            sum = 0;
            for (int i = 0; i < m; i++) sum += probs[boxed[i]];
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < m; i++) {
            int id = boxed == null ? i : boxed[i];
            acc += probs[id];
            if (acc > r) return id;
        }
        return boxed == null ? m - 1 : boxed[m - 1];
    }
}
