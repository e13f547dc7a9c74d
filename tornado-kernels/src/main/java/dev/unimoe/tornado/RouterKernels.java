package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * MoE routing on the device, one work-group per row t &lt; pos[1] (its first work-item does the
 * work: E and k are small): softmax over the row's E router logits, the k largest probabilities
 * (largest first, lower index on ties, as {@code Router}), optional renormalisation, then the k
 * (id, weight) pairs sorted by expert id so the down kernel sums experts in ascending order, as
 * the CPU path does. With a shared expert, logit E of the row is its gate: sgw[t] = sigmoid.
 * R: router logits per row (E, or E + 1 with the shared expert's gate).
 */
public final class RouterKernels {
    private RouterKernels() {}

    public static void route(KernelContext c, FloatArray rlog, FloatArray probs, IntArray ids, FloatArray wts, FloatArray sgw, IntArray pos,
                             int e, int k, int R, int norm, int shared) {
        int t = c.groupIdx;
        if (t < pos.get(1) && c.localIdx == 0) {
            int lo = t * R, po = t * e, io = t * k;
            float mx = -3.0e38f;
            for (int i = 0; i < e; i++) mx = TornadoMath.max(mx, rlog.get(lo + i));
            float sum = 0f;
            for (int i = 0; i < e; i++) {
                float v = TornadoMath.exp(rlog.get(lo + i) - mx);
                probs.set(po + i, v);
                sum += v;
            }
            float inv = 1.0f / sum;
            for (int i = 0; i < e; i++) probs.set(po + i, probs.get(po + i) * inv);
            float tot = 0f;
            for (int j = 0; j < k; j++) {
                int best = -1;
                float bp = 0f;
                for (int i = 0; i < e; i++) {
                    int taken = 0;
                    for (int s = 0; s < j; s++) {
                        if (ids.get(io + s) == i) taken = 1;
                    }
                    if (taken == 0) {
                        float pi = probs.get(po + i);
                        if (best < 0 || pi > bp) {
                            best = i;
                            bp = pi;
                        }
                    }
                }
                ids.set(io + j, best);
                wts.set(io + j, bp);
                tot += bp;
            }
            if (norm != 0) {
                for (int j = 0; j < k; j++) wts.set(io + j, wts.get(io + j) / tot);
            }
            for (int a = 1; a < k; a++) {
                for (int b = a; b > 0; b--) {
                    int ib = ids.get(io + b), ia = ids.get(io + b - 1);
                    if (ib < ia) {
                        float wb = wts.get(io + b);
                        ids.set(io + b, ia);
                        ids.set(io + b - 1, ib);
                        wts.set(io + b, wts.get(io + b - 1));
                        wts.set(io + b - 1, wb);
                    }
                }
            }
            if (shared != 0) sgw.set(t, 1.0f / (1.0f + TornadoMath.exp(-rlog.get(lo + e))));
        }
    }
}
