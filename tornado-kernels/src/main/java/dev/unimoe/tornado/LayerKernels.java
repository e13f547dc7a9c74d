package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * RMSNorm of batch rows, alone (final norm) or fused with the MoE router's logits (FFN norm). A group
 * with no row to do reduces nothing and stores nothing, but reaches every barrier (see
 * {@link MatVecKernels}).
 */
public final class LayerKernels {
    public static final int LOCAL = MatVecKernels.LOCAL;

    private LayerKernels() {}

    /**
     * XB[t] = X[t]·inv·w for rows t &lt; pos[1], one work-group per row; with last != 0 only the
     * batch's last row, written to XB[0] (the logits of a prefill).
     */
    public static void rmsnorm(KernelContext c, FloatArray x, FloatArray w, FloatArray out, IntArray pos, int n, int last, float eps) {
        int t = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        int src = last != 0 ? pos.get(1) - 1 : t;
        int live = (last != 0 ? t == 0 : t < pos.get(1)) ? 1 : 0, m = live * n;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float ss = 0f;
        for (int i = lid; i < m; i += lsz) {
            float v = x.get(src * n + i);
            ss += v * v;
        }
        p[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(p[0] / n + eps);
        for (int i = lid; i < m; i += lsz) out.set(t * n + i, x.get(src * n + i) * inv * w.get(i));
    }

    /**
     * The FFN norm and the router in one launch: G = max(R, 1) work-groups per row t &lt; pos[1];
     * each normalises X[t], writes its share of XB[t] and, for u &lt; R, the router logit
     * RLOG[t, u] = router[u]·XB[t] (row E of a Qwen2-MoE router is the shared expert's gate).
     */
    public static void normRouter(KernelContext c, FloatArray x, FloatArray w, FloatArray router, FloatArray xb, FloatArray rlog,
                                  IntArray pos, int n, int R, float eps) {
        int G = R > 0 ? R : 1;
        int t = c.groupIdx / G, u = c.groupIdx % G, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, m = live * n, logit = live == 1 && u < R ? 1 : 0;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float ss = 0f;
        for (int i = lid; i < m; i += lsz) {
            float v = x.get(t * n + i);
            ss += v * v;
        }
        p[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(p[0] / n + eps);
        c.localBarrier();
        int xo = t * n;
        for (int i = u * lsz + lid; i < m; i += G * lsz) xb.set(xo + i, x.get(xo + i) * inv * w.get(i));
        float s = 0f;       // from X, not XB: other groups of this launch write XB
        for (int i = lid; i < logit * n; i += lsz) s += router.get(u * n + i) * (x.get(xo + i) * inv * w.get(i));
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        if (lid == 0 && logit == 1) rlog.set(t * R + u, p[0]);
    }
}
