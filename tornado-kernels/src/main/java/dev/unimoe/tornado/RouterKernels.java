package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * MoE routing on the device: softmax over the E router logits, the k largest probabilities
 * (largest first, lower index on ties, as {@code Router}), optional renormalisation, then the k
 * (id, weight) pairs sorted by expert id so the down kernel sums experts in ascending order, as
 * the CPU path does. One work-item (E and k are small).
 */
public final class RouterKernels {
    private RouterKernels() {}

    public static void route(KernelContext c, FloatArray logits, FloatArray probs, IntArray ids, FloatArray wts, int e, int k, int norm) {
        if (c.globalIdx == 0) {
            float mx = -3.0e38f;
            for (int i = 0; i < e; i++) mx = TornadoMath.max(mx, logits.get(i));
            float sum = 0f;
            for (int i = 0; i < e; i++) {
                float v = TornadoMath.exp(logits.get(i) - mx);
                probs.set(i, v);
                sum += v;
            }
            float inv = 1.0f / sum;
            for (int i = 0; i < e; i++) probs.set(i, probs.get(i) * inv);
            float tot = 0f;
            for (int j = 0; j < k; j++) {
                int best = -1;
                float bp = 0f;
                for (int i = 0; i < e; i++) {
                    int taken = 0;
                    for (int t = 0; t < j; t++) {
                        if (ids.get(t) == i) taken = 1;
                    }
                    if (taken == 0) {
                        float pi = probs.get(i);
                        if (best < 0 || pi > bp) {
                            best = i;
                            bp = pi;
                        }
                    }
                }
                ids.set(j, best);
                wts.set(j, bp);
                tot += bp;
            }
            if (norm != 0) {
                for (int j = 0; j < k; j++) wts.set(j, wts.get(j) / tot);
            }
            for (int a = 1; a < k; a++) {
                for (int b = a; b > 0; b--) {
                    int ib = ids.get(b), ia = ids.get(b - 1);
                    if (ib < ia) {
                        float wb = wts.get(b);
                        ids.set(b, ia);
                        ids.set(b - 1, ib);
                        wts.set(b, wts.get(b - 1));
                        wts.set(b - 1, wb);
                    }
                }
            }
        }
    }
}
