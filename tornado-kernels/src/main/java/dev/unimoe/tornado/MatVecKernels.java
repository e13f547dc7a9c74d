package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.Int8Array;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Matrix-vector kernels, one work-group per output row, a local-memory tree reduction over the
 * work-group (local size {@link #LOCAL}, a power of two). Three weight layouts: F32 (FloatArray),
 * F16 (raw halves in a ShortArray, decoded arithmetically: PoCL has no cl_khr_fp16) and Q8_0
 * (int8 quants in an Int8Array plus one float scale per 32-value block).
 *
 * <p>Three shapes per layout: {@code matvec} (y = W·x, or y += W·x when acc != 0), {@code gateUp}
 * (the chosen experts' gate and up rows over one input, fused with SwiGLU: hb[j,r] =
 * silu(g)·u, expert id read from the device array {@code ids}) and {@code down} (the experts'
 * down rows, weighted by {@code wts} and summed in slot order).
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

    // ---------------------------------------------------------------- y = W x
    public static void matvecF32(KernelContext c, FloatArray w, FloatArray x, FloatArray y, int cols, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int base = row * cols;
        float s = 0f;
        for (int k = lid; k < cols; k += lsz) s += w.get(base + k) * x.get(k);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        if (lid == 0) {
            float r = p[0];
            if (acc != 0) r += y.get(row);
            y.set(row, r);
        }
    }

    public static void matvecF16(KernelContext c, ShortArray w, FloatArray x, FloatArray y, int cols, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int base = row * cols;
        float s = 0f;
        for (int k = lid; k < cols; k += lsz) s += f16ToF32(w.get(base + k)) * x.get(k);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        if (lid == 0) {
            float r = p[0];
            if (acc != 0) r += y.get(row);
            y.set(row, r);
        }
    }

    public static void matvecQ8(KernelContext c, Int8Array q, FloatArray sc, FloatArray x, FloatArray y, int cols, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int nb = cols / 32;
        int base = row * cols;
        int bbase = row * nb;
        float s = 0f;
        for (int b = lid; b < nb; b += lsz) {
            float bs = 0f;
            int qo = base + b * 32, xo = b * 32;
            for (int i = 0; i < 32; i++) bs += q.get(qo + i) * x.get(xo + i);
            s += sc.get(bbase + b) * bs;
        }
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        if (lid == 0) {
            float r = p[0];
            if (acc != 0) r += y.get(row);
            y.set(row, r);
        }
    }

    // ---------------------------------------------------------------- hb[j, r] = silu(G_e[r]·x) * (U_e[r]·x), e = ids[j]
    public static void gateUpF32(KernelContext c, FloatArray wg, FloatArray wu, FloatArray x, IntArray ids, FloatArray hb, int f, int h) {
        int g = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int j = g / f, r = g % f;
        int e = ids.get(j);
        int base = (e * f + r) * h;
        float sg = 0f, su = 0f;
        for (int k = lid; k < h; k += lsz) {
            float xv = x.get(k);
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
        if (lid == 0) hb.set(j * f + r, silu(pg[0]) * pu[0]);
    }

    public static void gateUpF16(KernelContext c, ShortArray wg, ShortArray wu, FloatArray x, IntArray ids, FloatArray hb, int f, int h) {
        int g = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int j = g / f, r = g % f;
        int e = ids.get(j);
        int base = (e * f + r) * h;
        float sg = 0f, su = 0f;
        for (int k = lid; k < h; k += lsz) {
            float xv = x.get(k);
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
        if (lid == 0) hb.set(j * f + r, silu(pg[0]) * pu[0]);
    }

    public static void gateUpQ8(KernelContext c, Int8Array qg, FloatArray sg8, Int8Array qu, FloatArray su8, FloatArray x, IntArray ids,
                                FloatArray hb, int f, int h) {
        int g = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] pg = c.allocateFloatLocalArray(LOCAL);
        float[] pu = c.allocateFloatLocalArray(LOCAL);
        int j = g / f, r = g % f;
        int e = ids.get(j);
        int rowIdx = e * f + r;
        int nb = h / 32;
        int base = rowIdx * h, bbase = rowIdx * nb;
        float sg = 0f, su = 0f;
        for (int b = lid; b < nb; b += lsz) {
            float bg = 0f, bu = 0f;
            int qo = base + b * 32, xo = b * 32;
            for (int i = 0; i < 32; i++) {
                float xv = x.get(xo + i);
                bg += qg.get(qo + i) * xv;
                bu += qu.get(qo + i) * xv;
            }
            sg += sg8.get(bbase + b) * bg;
            su += su8.get(bbase + b) * bu;
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
        if (lid == 0) hb.set(j * f + r, silu(pg[0]) * pu[0]);
    }

    // ---------------------------------------------------------------- out[r] (+)= Σ_j wts[j] · D_{ids[j]}[r]·hb[j]
    public static void downF32(KernelContext c, FloatArray w, FloatArray hb, IntArray ids, FloatArray wts, FloatArray out, int h, int f, int k, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float total = 0f;
        for (int j = 0; j < k; j++) {
            int e = ids.get(j);
            int base = (e * h + row) * f, xo = j * f;
            float s = 0f;
            for (int i = lid; i < f; i += lsz) s += w.get(base + i) * hb.get(xo + i);
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += wts.get(j) * p[0];
            c.localBarrier();
        }
        if (lid == 0) {
            if (acc != 0) total += out.get(row);
            out.set(row, total);
        }
    }

    public static void downF16(KernelContext c, ShortArray w, FloatArray hb, IntArray ids, FloatArray wts, FloatArray out, int h, int f, int k, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        float total = 0f;
        for (int j = 0; j < k; j++) {
            int e = ids.get(j);
            int base = (e * h + row) * f, xo = j * f;
            float s = 0f;
            for (int i = lid; i < f; i += lsz) s += f16ToF32(w.get(base + i)) * hb.get(xo + i);
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += wts.get(j) * p[0];
            c.localBarrier();
        }
        if (lid == 0) {
            if (acc != 0) total += out.get(row);
            out.set(row, total);
        }
    }

    public static void downQ8(KernelContext c, Int8Array q, FloatArray sc, FloatArray hb, IntArray ids, FloatArray wts, FloatArray out,
                              int h, int f, int k, int acc) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int nb = f / 32;
        float total = 0f;
        for (int j = 0; j < k; j++) {
            int e = ids.get(j);
            int rowIdx = e * h + row;
            int base = rowIdx * f, bbase = rowIdx * nb, xo = j * f;
            float s = 0f;
            for (int b = lid; b < nb; b += lsz) {
                float bs = 0f;
                int qo = base + b * 32, xb = xo + b * 32;
                for (int i = 0; i < 32; i++) bs += q.get(qo + i) * hb.get(xb + i);
                s += sc.get(bbase + b) * bs;
            }
            p[lid] = s;
            for (int st = lsz / 2; st > 0; st /= 2) {
                c.localBarrier();
                if (lid < st) p[lid] += p[lid + st];
            }
            c.localBarrier();
            total += wts.get(j) * p[0];
            c.localBarrier();
        }
        if (lid == 0) {
            if (acc != 0) total += out.get(row);
            out.set(row, total);
        }
    }

    // ---------------------------------------------------------------- Y[t, r] = W[r]·X[t] for several tokens (encoder matmul)
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
