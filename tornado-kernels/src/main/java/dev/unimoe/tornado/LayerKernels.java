package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** RMSNorm, residual/bias add, RoPE with the KV-cache write, and the shared-expert sigmoid gate. */
public final class LayerKernels {
    public static final int LOCAL = MatVecKernels.LOCAL;

    private LayerKernels() {}

    /** out = x / sqrt(mean(x²) + eps) · w over n values; one work-group. */
    public static void rmsnorm(KernelContext c, FloatArray x, FloatArray w, FloatArray out, int n, float eps) {
        int lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float s = 0f;
        for (int i = lid; i < n; i += lsz) {
            float v = x.get(i);
            s += v * v;
        }
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(p[0] / n + eps);
        for (int i = lid; i < n; i += lsz) out.set(i, x.get(i) * inv * w.get(i));
    }

    /** x[i] += y[i] for i &lt; n (residual add, bias add). */
    public static void addInto(KernelContext c, FloatArray x, FloatArray y, int n) {
        int i = c.globalIdx;
        if (i < n) x.set(i, x.get(i) + y.get(i));
    }

    /** out[0] = sigmoid(in[0]) (Qwen2-MoE shared-expert gate). */
    public static void sigmoid1(KernelContext c, FloatArray in, FloatArray out) {
        if (c.globalIdx == 0) out.set(0, 1.0f / (1.0f + TornadoMath.exp(-in.get(0))));
    }

    /**
     * Rotates q (heads) and k (kvHeads) in place for position pos[0] with the host-computed cos/sin
     * tables [ctx, half] (HF rotate_half, or adjacent pairs when pairwise != 0), and writes k and v
     * into the caches at that position. One work-item per (head, i &lt; half).
     */
    public static void ropeKv(KernelContext c, FloatArray q, FloatArray k, FloatArray v, FloatArray kc, FloatArray vc,
                              FloatArray cos, FloatArray sin, IntArray pos, int heads, int kvHeads, int halfDim, int pairwise) {
        int gid = c.globalIdx;
        if (gid < heads * halfDim) {
            int h = gid / halfDim, i = gid % halfDim;
            int hd = halfDim * 2;
            int p = pos.get(0);
            float cs = cos.get(p * halfDim + i), sn = sin.get(p * halfDim + i);
            int i0 = h * hd + i, i1 = i0 + halfDim;
            if (pairwise != 0) {
                i0 = h * hd + 2 * i;
                i1 = i0 + 1;
            }
            float x0 = q.get(i0), x1 = q.get(i1);
            q.set(i0, x0 * cs - x1 * sn);
            q.set(i1, x1 * cs + x0 * sn);
            if (h < kvHeads) {
                int kvd = kvHeads * hd;
                float k0 = k.get(i0), k1 = k.get(i1);
                float r0 = k0 * cs - k1 * sn, r1 = k1 * cs + k0 * sn;
                k.set(i0, r0);
                k.set(i1, r1);
                kc.set(p * kvd + i0, r0);
                kc.set(p * kvd + i1, r1);
                vc.set(p * kvd + i0, v.get(i0));
                vc.set(p * kvd + i1, v.get(i1));
            }
        }
    }
}
