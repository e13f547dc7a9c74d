package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.Int8Array;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The attention input block in one launch: RMSNorm of the row, the q/k/v projections (wq, wk, wv
 * stacked into one matrix of qDim + 2·kvDim rows, biases likewise, zeros when the model has none),
 * RoPE at the row's position and the k/v cache write.
 *
 * <p>Rows X[t] for t &lt; pos[1] at positions pos[0] + t. Per token there are P = heads·half +
 * kvHeads·half + kvDim work-groups: one per rotated (q or k) pair of rows (HF rotate_half pairs
 * i and i + half, or adjacent pairs when pairwise), then one per v row. Every work-group recomputes
 * the row's norm (H values, from cache) rather than paying a launch for it; the normalised value
 * is formed in the CPU RMSNorm's order, x·inv·w. (Reductions are written out in each
 * kernel: TornadoVM 5.2 mis-indexes local arrays handed to a helper method.)
 * A group past the call's rows reduces nothing and stores nothing, but reaches every barrier (see
 * {@link MatVecKernels}).
 *
 * <p>One kernel per weight layout (TornadoVM kernels take concrete array types).
 */
public final class QkvKernels {
    private static final int L = MatVecKernels.LOCAL;

    private QkvKernels() {}

    /** Writes the two reduced dot products (a: row r0, b: row r1) rotated, or the v row, to their places. */
    static void finish(int u, int t, float a, float b, FloatArray bias, FloatArray q, FloatArray kc, FloatArray vc,
                       FloatArray cos, FloatArray sin, IntArray pos, int heads, int kvHeads, int half, int pairwise) {
        int hd = 2 * half, qDim = heads * hd, kvd = kvHeads * hd, qp = heads * half, kp = kvHeads * half;
        int p = pos.get(0) + t;
        if (u < qp + kp) {
            int v2 = u < qp ? u : u - qp;
            int h = v2 / half, i = v2 % half;
            int i0 = h * hd + i, i1 = i0 + half;
            if (pairwise != 0) {
                i0 = h * hd + 2 * i;
                i1 = i0 + 1;
            }
            int off = u < qp ? 0 : qDim;
            float x0 = a + bias.get(off + i0), x1 = b + bias.get(off + i1);
            float cs = cos.get(p * half + i), sn = sin.get(p * half + i);
            float r0 = x0 * cs - x1 * sn, r1 = x1 * cs + x0 * sn;
            if (u < qp) {
                q.set(t * qDim + i0, r0);
                q.set(t * qDim + i1, r1);
            } else {
                kc.set(p * kvd + i0, r0);
                kc.set(p * kvd + i1, r1);
            }
        } else {
            int row = u - qp - kp;
            vc.set(p * kvd + row, a + bias.get(qDim + kvd + row));
        }
    }

    /** Matrix rows of work-group u: r0 (and r1 for a rotated pair; r1 = r0 for a v row). */
    static int row0(int u, int heads, int kvHeads, int half, int pairwise) {
        int hd = 2 * half, qp = heads * half, kp = kvHeads * half;
        if (u >= qp + kp) return heads * hd + kvHeads * hd + (u - qp - kp);
        int v2 = u < qp ? u : u - qp;
        int h = v2 / half, i = v2 % half;
        int r = pairwise != 0 ? h * hd + 2 * i : h * hd + i;
        return (u < qp ? 0 : heads * hd) + r;
    }

    static int row1(int u, int r0, int heads, int kvHeads, int half, int pairwise) {
        if (u >= heads * half + kvHeads * half) return r0;
        return pairwise != 0 ? r0 + 1 : r0 + half;
    }

    public static void qkvF32(KernelContext c, FloatArray x, FloatArray norm, FloatArray w, FloatArray bias, FloatArray q,
                              FloatArray kc, FloatArray vc, FloatArray cos, FloatArray sin, IntArray pos,
                              int H, int heads, int kvHeads, int halfDim, int pairwise, float eps) {
        int half = halfDim;      // (a parameter may not be called half in OpenCL C)
        int P = heads * half + kvHeads * half + kvHeads * 2 * half;
        int t = c.groupIdx / P, u = c.groupIdx % P, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * H;
        float[] pa = c.allocateFloatLocalArray(L);
        float[] pb = c.allocateFloatLocalArray(L);
        float ss = 0f;
        for (int k = lid; k < n; k += lsz) {
            float v = x.get(t * H + k);
            ss += v * v;
        }
        pa[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) pa[lid] += pa[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(pa[0] / H + eps);
        c.localBarrier();
        int r0 = row0(u, heads, kvHeads, half, pairwise), r1 = row1(u, r0, heads, kvHeads, half, pairwise);
        int b0 = r0 * H, b1 = r1 * H, xo = t * H;
        float sa = 0f, sb = 0f;
        for (int k = lid; k < n; k += lsz) {
            float xn = x.get(xo + k) * inv * norm.get(k);
            sa += w.get(b0 + k) * xn;
            sb += w.get(b1 + k) * xn;
        }
        pa[lid] = sa;
        pb[lid] = sb;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pa[lid] += pa[lid + st];
                pb[lid] += pb[lid + st];
            }
        }
        if (lid == 0 && live == 1) finish(u, t, pa[0], pb[0], bias, q, kc, vc, cos, sin, pos, heads, kvHeads, half, pairwise);
    }

    public static void qkvF16(KernelContext c, FloatArray x, FloatArray norm, ShortArray w, FloatArray bias, FloatArray q,
                              FloatArray kc, FloatArray vc, FloatArray cos, FloatArray sin, IntArray pos,
                              int H, int heads, int kvHeads, int halfDim, int pairwise, float eps) {
        int half = halfDim;      // (a parameter may not be called half in OpenCL C)
        int P = heads * half + kvHeads * half + kvHeads * 2 * half;
        int t = c.groupIdx / P, u = c.groupIdx % P, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * H;
        float[] pa = c.allocateFloatLocalArray(L);
        float[] pb = c.allocateFloatLocalArray(L);
        float ss = 0f;
        for (int k = lid; k < n; k += lsz) {
            float v = x.get(t * H + k);
            ss += v * v;
        }
        pa[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) pa[lid] += pa[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(pa[0] / H + eps);
        c.localBarrier();
        int r0 = row0(u, heads, kvHeads, half, pairwise), r1 = row1(u, r0, heads, kvHeads, half, pairwise);
        int b0 = r0 * H, b1 = r1 * H, xo = t * H;
        float sa = 0f, sb = 0f;
        for (int k = lid; k < n; k += lsz) {
            float xn = x.get(xo + k) * inv * norm.get(k);
            sa += MatVecKernels.f16ToF32(w.get(b0 + k)) * xn;
            sb += MatVecKernels.f16ToF32(w.get(b1 + k)) * xn;
        }
        pa[lid] = sa;
        pb[lid] = sb;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pa[lid] += pa[lid + st];
                pb[lid] += pb[lid + st];
            }
        }
        if (lid == 0 && live == 1) finish(u, t, pa[0], pb[0], bias, q, kc, vc, cos, sin, pos, heads, kvHeads, half, pairwise);
    }

    public static void qkvQ8(KernelContext c, FloatArray x, FloatArray norm, Int8Array wq, FloatArray ws, FloatArray bias, FloatArray q,
                             FloatArray kc, FloatArray vc, FloatArray cos, FloatArray sin, IntArray pos,
                              int H, int heads, int kvHeads, int halfDim, int pairwise, float eps) {
        int half = halfDim;      // (a parameter may not be called half in OpenCL C)
        int P = heads * half + kvHeads * half + kvHeads * 2 * half;
        int t = c.groupIdx / P, u = c.groupIdx % P, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * H;
        float[] pa = c.allocateFloatLocalArray(L);
        float[] pb = c.allocateFloatLocalArray(L);
        float ss = 0f;
        for (int k = lid; k < n; k += lsz) {
            float v = x.get(t * H + k);
            ss += v * v;
        }
        pa[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) pa[lid] += pa[lid + st];
        }
        c.localBarrier();
        float inv = 1.0f / TornadoMath.sqrt(pa[0] / H + eps);
        c.localBarrier();
        int r0 = row0(u, heads, kvHeads, half, pairwise), r1 = row1(u, r0, heads, kvHeads, half, pairwise);
        int nb = H / 32, xo = t * H;      // blocks per row (the scales' stride)
        float sa = 0f, sb = 0f;
        for (int b = lid; b < live * nb; b += lsz) {
            float ba = 0f, bb = 0f;
            int q0 = r0 * H + b * 32, q1 = r1 * H + b * 32, k0 = b * 32;
            for (int i = 0; i < 32; i++) {
                float xn = x.get(xo + k0 + i) * inv * norm.get(k0 + i);
                ba += wq.get(q0 + i) * xn;
                bb += wq.get(q1 + i) * xn;
            }
            sa += ws.get(r0 * nb + b) * ba;
            sb += ws.get(r1 * nb + b) * bb;
        }
        pa[lid] = sa;
        pb[lid] = sb;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pa[lid] += pa[lid + st];
                pb[lid] += pb[lid + st];
            }
        }
        if (lid == 0 && live == 1) finish(u, t, pa[0], pb[0], bias, q, kc, vc, cos, sin, pos, heads, kvHeads, half, pairwise);
    }
}
