package dev.unimoe.model;

import dev.unimoe.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of T new rows (positions pos … pos+T−1) against a float32 KV
 * cache laid out [position, kvDim]. One task per (row, head); query head h reads KV head
 * h / (heads / kvHeads). Scores, softmax (max-subtracted, float32) and the weighted sum of V
 * follow HF's eager attention.
 */
final class Attention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Attention() {}

    static void run(float[] q, float[] kc, float[] vc, float[] out, int T, int pos, int heads, int kvHeads, int hd) {
        int kvd = kvHeads * hd, group = heads / kvHeads, qd = heads * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Parallel.forChunks(T * heads, 1, (from, to) -> {
            float[] s = new float[pos + T];
            for (int job = from; job < to; job++) {
                int t = job / heads, h = job % heads;
                int len = pos + t + 1, qo = t * qd + h * hd, ko = (h / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    s[j] = dot(q, qo, kc, j * kvd + ko, hd) * scale;
                    max = Math.max(max, s[j]);
                }
                float sum = 0f;
                for (int j = 0; j < len; j++) {
                    s[j] = (float) Math.exp(s[j] - max);
                    sum += s[j];
                }
                float inv = 1f / sum;
                java.util.Arrays.fill(out, qo, qo + hd, 0f);
                for (int j = 0; j < len; j++) axpy(s[j] * inv, vc, j * kvd + ko, out, qo, hd);
            }
        });
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float r = 0f;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            r = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    /** y += a · x over n values. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (n >= S.length()) {
            FloatVector av = FloatVector.broadcast(S, a);
            for (int up = S.loopBound(n); i < up; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }
}
