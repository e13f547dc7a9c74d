package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.Int8Array;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Matrix kernels over rows t &lt; pos[1] of a batch (decode is the batch of one row), one
 * work-group per output value, a local-memory tree reduction over the work-group (local size
 * {@link #LOCAL}, a power of two). Three weight layouts: F32 (FloatArray), F16 (raw halves in a
 * ShortArray, decoded arithmetically: PoCL has no cl_khr_fp16) and Q8_0 (int8 quants in an
 * Int8Array plus one float scale per 32-value block).
 *
 * <p>Rows past the call's (t &ge; pos[1], e.g. the zero-row warm-up): the group's loops run over
 * nothing and its stores are skipped, but every work-item still reaches every barrier. These
 * kernels never put a barrier under a conditional, not even a work-group-uniform one: PoCL 3.1
 * (LLVM 15) compiles such kernels into code that writes outside its buffers, which corrupted the
 * KV cache and the host heap at random rows. The same holds for every kernel of this package.
 *
 * <p>Sizes are scalar parameters: TornadoVM compiles a kernel per task with its scalar arguments
 * as constants, so loop bounds and strides are known to the OpenCL compiler (on PoCL the LM head
 * ran twice as fast as with the sizes read from an array). Anything that changes between calls,
 * such as the position and row count in {@code pos}, must therefore come in an array.
 *
 * <p>Three shapes per layout:
 * <ul>
 * <li>{@code linear}: Y[t] = W·X[t], or Y[t] += W·X[t] (the residual) when acc != 0.</li>
 * <li>{@code gateUp}: the experts' gate and up rows over XB[t], fused with SwiGLU:
 *     HB[t, j, r] = silu(G_e[r]·x)·(U_e[r]·x), e = IDS[t, j] as routed on the device when
 *     routed != 0, else expert 0 (a dense FFN or the shared expert).</li>
 * <li>{@code down}: X[t, r] += Σ_j w_j · D_{e_j}[r]·HB[t, j] in slot order, the weights being the
 *     routed ones (mode 0), the shared expert's gate (mode 1) or 1 (mode 2).</li>
 * </ul>
 */
public final class MatVecKernels {
    public static final int LOCAL = 64;

    private MatVecKernels() {}

    /** IEEE half (as a signed short) to float, arithmetically (no bit casts in OpenCL kernels). */
    public static float f16ToF32(int bits) {
        int exp = (bits >> 10) & 0x1F;
        int mant = bits & 0x3FF;
        float mag;
        if (exp == 0) {
            mag = mant * 5.9604645e-8f;
        } else {
            mag = (1.0f + mant * 0.0009765625f) * TornadoMath.pow(2.0f, (float) (exp - 15));
        }
        return bits < 0 ? -mag : mag;
    }

    private static float silu(float z) {
        return z / (1.0f + TornadoMath.exp(-z));
    }

    /** The weight of slot j of row t in the down kernel. */
    static float slotWeight(int mode, int t, int j, int K, FloatArray wts, FloatArray sgw) {
        float w = 1.0f;
        if (mode == 0) w = wts.get(t * K + j);
        if (mode == 1) w = sgw.get(t);
        return w;
    }

    // ---------------------------------------------------------------- Y[t] (+)= W X[t]
    public static void linearF32(KernelContext c, FloatArray w, FloatArray x, FloatArray y, IntArray pos, int rows, int cols, int acc) {
        int t = c.groupIdx / rows, r = c.groupIdx % rows, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * cols;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int wb = r * cols, xo = t * cols;
        float s = 0f;
        for (int k = lid; k < n; k += lsz) s += w.get(wb + k) * x.get(xo + k);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        if (lid == 0 && live == 1) {
            float v = p[0];
            if (acc != 0) v += y.get(t * rows + r);
            y.set(t * rows + r, v);
        }
    }

    public static void linearF16(KernelContext c, ShortArray w, FloatArray x, FloatArray y, IntArray pos, int rows, int cols, int acc) {
        int t = c.groupIdx / rows, r = c.groupIdx % rows, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * cols;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int wb = r * cols, xo = t * cols;
        float s = 0f;
        for (int k = lid; k < n; k += lsz) s += f16ToF32(w.get(wb + k)) * x.get(xo + k);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        if (lid == 0 && live == 1) {
            float v = p[0];
            if (acc != 0) v += y.get(t * rows + r);
            y.set(t * rows + r, v);
        }
    }

    public static void linearQ8(KernelContext c, Int8Array wq, FloatArray ws, FloatArray x, FloatArray y, IntArray pos, int rows, int cols, int acc) {
        int t = c.groupIdx / rows, r = c.groupIdx % rows, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int nb = cols / 32, xo = t * cols;      // blocks per row (the scales' stride)
        float s = 0f;
        for (int b = lid; b < live * nb; b += lsz) {
            float bs = 0f;
            int qo = r * cols + b * 32, xb = xo + b * 32;
            for (int i = 0; i < 32; i++) bs += wq.get(qo + i) * x.get(xb + i);
            s += ws.get(r * nb + b) * bs;
        }
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        if (lid == 0 && live == 1) {
            float v = p[0];
            if (acc != 0) v += y.get(t * rows + r);
            y.set(t * rows + r, v);
        }
    }

    // ---------------------------------------------------------------- HB[t, j, r] = silu(G_e[r]·x)·(U_e[r]·x)
    public static void gateUpF32(KernelContext c, FloatArray wg, FloatArray wu, FloatArray xb, IntArray ids, FloatArray hb, IntArray pos, int H, int F, int K, int routed) {
        int t = c.groupIdx / (K * F), j = (c.groupIdx % (K * F)) / F, r = c.groupIdx % F;
        int lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * H;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int e = routed != 0 && live == 1 ? ids.get(t * K + j) : 0;
        int row = e * F + r, xo = t * H;
        float sg = 0f, su = 0f;
        int base = row * H;
        for (int k = lid; k < n; k += lsz) {
            float xv = xb.get(xo + k);
            sg += wg.get(base + k) * xv;
            su += wu.get(base + k) * xv;
        }
        pg[lid] = sg;
        pu[lid] = su;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pg[lid] += pg[lid + st];
                pu[lid] += pu[lid + st];
            }
        }
        if (lid == 0 && live == 1) hb.set((t * K + j) * F + r, silu(pg[0]) * pu[0]);
    }

    public static void gateUpF16(KernelContext c, ShortArray wg, ShortArray wu, FloatArray xb, IntArray ids, FloatArray hb, IntArray pos, int H, int F, int K, int routed) {
        int t = c.groupIdx / (K * F), j = (c.groupIdx % (K * F)) / F, r = c.groupIdx % F;
        int lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * H;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int e = routed != 0 && live == 1 ? ids.get(t * K + j) : 0;
        int row = e * F + r, xo = t * H;
        float sg = 0f, su = 0f;
        int base = row * H;
        for (int k = lid; k < n; k += lsz) {
            float xv = xb.get(xo + k);
            sg += f16ToF32(wg.get(base + k)) * xv;
            su += f16ToF32(wu.get(base + k)) * xv;
        }
        pg[lid] = sg;
        pu[lid] = su;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pg[lid] += pg[lid + st];
                pu[lid] += pu[lid + st];
            }
        }
        if (lid == 0 && live == 1) hb.set((t * K + j) * F + r, silu(pg[0]) * pu[0]);
    }

    public static void gateUpQ8(KernelContext c, Int8Array qg, FloatArray sg8, Int8Array qu, FloatArray su8, FloatArray xb, IntArray ids, FloatArray hb, IntArray pos, int H, int F, int K, int routed) {
        int t = c.groupIdx / (K * F), j = (c.groupIdx % (K * F)) / F, r = c.groupIdx % F;
        int lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int e = routed != 0 && live == 1 ? ids.get(t * K + j) : 0;
        int row = e * F + r, xo = t * H;
        float sg = 0f, su = 0f;
        int nb = H / 32;
        for (int b = lid; b < live * nb; b += lsz) {
            float bg = 0f, bu = 0f;
            int qo = row * H + b * 32, x0 = xo + b * 32;
            for (int i = 0; i < 32; i++) {
                float xv = xb.get(x0 + i);
                bg += qg.get(qo + i) * xv;
                bu += qu.get(qo + i) * xv;
            }
            sg += sg8.get(row * nb + b) * bg;
            su += su8.get(row * nb + b) * bu;
        }
        pg[lid] = sg;
        pu[lid] = su;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) {
                pg[lid] += pg[lid + st];
                pu[lid] += pu[lid + st];
            }
        }
        if (lid == 0 && live == 1) hb.set((t * K + j) * F + r, silu(pg[0]) * pu[0]);
    }

    // ---------------------------------------------------------------- X[t, r] += Σ_j w_j · D_e[r]·HB[t, j]
    public static void downF32(KernelContext c, FloatArray w, FloatArray hb, IntArray ids, FloatArray wts, FloatArray sgw, FloatArray x, IntArray pos, int H, int F, int K, int mode) {
        int t = c.groupIdx / H, row = c.groupIdx % H, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * F;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float total = 0f;
        for (int j = 0; j < K; j++) {
            int e = mode == 0 && live == 1 ? ids.get(t * K + j) : 0;
            int rowIdx = e * H + row, xo = (t * K + j) * F;
            float s = 0f;
            for (int i = lid; i < n; i += lsz) s += w.get(rowIdx * F + i) * hb.get(xo + i);
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += live == 1 ? slotWeight(mode, t, j, K, wts, sgw) * p[0] : 0f;
            c.localBarrier();
        }
        if (lid == 0 && live == 1) x.set(t * H + row, x.get(t * H + row) + total);
    }

    public static void downF16(KernelContext c, ShortArray w, FloatArray hb, IntArray ids, FloatArray wts, FloatArray sgw, FloatArray x, IntArray pos, int H, int F, int K, int mode) {
        int t = c.groupIdx / H, row = c.groupIdx % H, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0, n = live * F;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float total = 0f;
        for (int j = 0; j < K; j++) {
            int e = mode == 0 && live == 1 ? ids.get(t * K + j) : 0;
            int rowIdx = e * H + row, xo = (t * K + j) * F;
            float s = 0f;
            for (int i = lid; i < n; i += lsz) s += f16ToF32(w.get(rowIdx * F + i)) * hb.get(xo + i);
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += live == 1 ? slotWeight(mode, t, j, K, wts, sgw) * p[0] : 0f;
            c.localBarrier();
        }
        if (lid == 0 && live == 1) x.set(t * H + row, x.get(t * H + row) + total);
    }

    public static void downQ8(KernelContext c, Int8Array q, FloatArray sc, FloatArray hb, IntArray ids, FloatArray wts, FloatArray sgw, FloatArray x, IntArray pos, int H, int F, int K, int mode) {
        int t = c.groupIdx / H, row = c.groupIdx % H, lid = c.localIdx, lsz = c.localGroupSizeX;
        int live = t < pos.get(1) ? 1 : 0;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float total = 0f;
        for (int j = 0; j < K; j++) {
            int e = mode == 0 && live == 1 ? ids.get(t * K + j) : 0;
            int rowIdx = e * H + row, xo = (t * K + j) * F;
            float s = 0f;
            int nb = F / 32;
            for (int b = lid; b < live * nb; b += lsz) {
                float bs = 0f;
                int qo = rowIdx * F + b * 32, x0 = xo + b * 32;
                for (int i = 0; i < 32; i++) bs += q.get(qo + i) * hb.get(x0 + i);
                s += sc.get(rowIdx * nb + b) * bs;
            }
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += live == 1 ? slotWeight(mode, t, j, K, wts, sgw) * p[0] : 0f;
            c.localBarrier();
        }
        if (lid == 0 && live == 1) x.set(t * H + row, x.get(t * H + row) + total);
    }

    // ---------------------------------------------------------------- Y[t, r] = W[r]·X[t] (encoder matmul, every row)
    public static void matmulF32(KernelContext c, FloatArray w, FloatArray x, FloatArray y, int rows, int cols) {
        int g = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int t = g / rows, r = g % rows;
        int wb = r * cols, xb = t * cols;
        float s = 0f;
        for (int k = lid; k < cols; k += lsz) s += w.get(wb + k) * x.get(xb + k);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        if (lid == 0) y.set(g, p[0]);
    }
}
