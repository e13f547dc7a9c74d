package dev.unimoe.tornado;

import dev.unimoe.encoders.EncoderOps;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The encoder towers' kernels (CLIP, Whisper): a tiled matrix product with bias, activation and
 * residual fused into its store; LayerNorm per row; bidirectional multi-head attention; the
 * windows of Whisper's kernel-3 convolutions and the patches of a ViT's patch embedding.
 *
 * <p>Weights of every layer of a stack sit in one array per kind, and {@code layer[0]} selects
 * the layer, so one compiled graph serves all layers. Reductions are written out in each kernel:
 * TornadoVM 5.2 mis-indexes local arrays handed to helper methods.
 */
public final class EncoderDeviceKernels {
    /** Tile edge of {@link #linear}: TS×TS work-items per group, two TS×TS local tiles. */
    public static final int TS = 16;
    /** Work-group size of the row kernels (LayerNorm, attention). */
    public static final int LOCAL = 64;

    /** {@link #linear} store modes: plain, exact GELU, quick GELU, tanh GELU. */
    public static final int PLAIN = 0, GELU = 1, QUICK_GELU = 2, GELU_TANH = 3;

    private EncoderDeviceKernels() {}

    /**
     * out[r, o] (= or, with residual != 0, +=) act(b[L·n + o] + Σ_j x[r, j] · w[L·n·k + o·k + j])
     * for r &lt; rows, o &lt; n, L = layer[0]: y = x·Wᵀ + b. A 2-D grid (n, rows) rounded up to
     * TS, groups of TS×TS; each group stages a TS×TS tile of x and of W in local memory per step.
     */
    public static void linear(KernelContext c, FloatArray x, FloatArray w, FloatArray b, FloatArray out, IntArray layer,
                              int rows, int n, int k, int mode, int residual) {
        int lx = c.localIdx, ly = c.localIdy;
        int o = c.groupIdx * TS + lx, r = c.groupIdy * TS + ly;
        int o0 = c.groupIdx * TS;
        int wBase = layer.get(0) * n * k;
        float[] xs = c.allocateFloatLocalArray(TS * TS);
        float[] ws = c.allocateFloatLocalArray(TS * TS);
        float acc = 0f;
        for (int k0 = 0; k0 < k; k0 += TS) {
            int j = k0 + lx;
            xs[ly * TS + lx] = r < rows && j < k ? x.get(r * k + j) : 0f;
            int wo = o0 + ly;   // this item loads row wo of the W tile
            ws[ly * TS + lx] = wo < n && j < k ? w.get(wBase + wo * k + j) : 0f;
            c.localBarrier();
            for (int t = 0; t < TS; t++) acc += xs[ly * TS + t] * ws[lx * TS + t];
            c.localBarrier();
        }
        if (r < rows && o < n) store(out, b, layer.get(0), r, o, n, acc, mode, residual);
    }

    /**
     * {@link #linear} with W held as IEEE halves (raw bits, decoded when the tile is staged, as
     * {@link MatVecKernels#f16ToF32} does: PoCL has no cl_khr_fp16), half the device bytes of
     * float32 weights; the products and sums are those of {@link #linear}.
     */
    public static void linearF16(KernelContext c, FloatArray x, ShortArray w, FloatArray b, FloatArray out, IntArray layer,
                                 int rows, int n, int k, int mode, int residual) {
        int lx = c.localIdx, ly = c.localIdy;
        int o = c.groupIdx * TS + lx, r = c.groupIdy * TS + ly;
        int o0 = c.groupIdx * TS;
        int wBase = layer.get(0) * n * k;
        float[] xs = c.allocateFloatLocalArray(TS * TS);
        float[] ws = c.allocateFloatLocalArray(TS * TS);
        float acc = 0f;
        for (int k0 = 0; k0 < k; k0 += TS) {
            int j = k0 + lx;
            xs[ly * TS + lx] = r < rows && j < k ? x.get(r * k + j) : 0f;
            int wo = o0 + ly;
            ws[ly * TS + lx] = wo < n && j < k ? MatVecKernels.f16ToF32(w.get(wBase + wo * k + j)) : 0f;
            c.localBarrier();
            for (int t = 0; t < TS; t++) acc += xs[ly * TS + t] * ws[lx * TS + t];
            c.localBarrier();
        }
        if (r < rows && o < n) store(out, b, layer.get(0), r, o, n, acc, mode, residual);
    }

    /** The epilogue of both linear kernels: bias, activation, then store or residual add. */
    private static void store(FloatArray out, FloatArray b, int layer, int r, int o, int n, float acc, int mode, int residual) {
        float v = acc + b.get(layer * n + o);
        if (mode == GELU) v = 0.5f * v * (1f + erf(v * EncoderOps.SQRT_HALF));
        else if (mode == QUICK_GELU) v = v / (1f + TornadoMath.exp(-EncoderOps.QUICK_GELU_K * v));
        else if (mode == GELU_TANH) v = 0.5f * v * (1f + TornadoMath.tanh(EncoderOps.TANH_C * (v + EncoderOps.TANH_C3 * v * v * v)));
        int i = r * n + o;
        out.set(i, residual != 0 ? out.get(i) + v : v);
    }

    /**
     * {@link EncoderOps#erf}'s rational approximation, the same constants and steps, with a multiply
     * and an add where the host fuses them (Math.fma's Java body is BigDecimal code TornadoVM cannot
     * compile); the results differ by a few ulp at most.
     */
    private static float erf(float x) {
        float c = TornadoMath.max(-4f, TornadoMath.min(4f, x));
        float x2 = c * c;
        float p = x2 * EncoderOps.A13 + EncoderOps.A11;
        p = x2 * p + EncoderOps.A9;
        p = x2 * p + EncoderOps.A7;
        p = x2 * p + EncoderOps.A5;
        p = x2 * p + EncoderOps.A3;
        p = x2 * p + EncoderOps.A1;
        float q = x2 * EncoderOps.B8 + EncoderOps.B6;
        q = x2 * q + EncoderOps.B4;
        q = x2 * q + EncoderOps.B2;
        q = x2 * q + EncoderOps.B0;
        return c * p / q;
    }

    /**
     * LayerNorm of each of the rows of x [rows, d] into out, biased variance, two passes:
     * (x − mean) / √(var + eps) · γ + β with γ, β at norms[(L·4 + which)·d] and the next d
     * (norms packs ln1 γ, ln1 β, ln2 γ, ln2 β per layer). One work-group of LOCAL per row.
     */
    public static void layerNorm(KernelContext c, FloatArray x, FloatArray out, FloatArray norms, IntArray layer, int which, int d, float eps) {
        int row = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int xo = row * d;
        float s = 0f;
        for (int i = lid; i < d; i += lsz) s += x.get(xo + i);
        p[lid] = s;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        float mean = p[0] / d;
        c.localBarrier();
        float ss = 0f;
        for (int i = lid; i < d; i += lsz) {
            float v = x.get(xo + i) - mean;
            ss += v * v;
        }
        p[lid] = ss;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();
        float rstd = 1f / TornadoMath.sqrt(p[0] / d + eps);
        int g = (layer.get(0) * 4 + which) * d;
        for (int i = lid; i < d; i += lsz) out.set(xo + i, (x.get(xo + i) - mean) * rstd * norms.get(g + i) + norms.get(g + d + i));
    }

    /**
     * Bidirectional attention over qkv [rows, 3d] (q | k | v per row, heads of hd): out[i, h·hd + e]
     * = Σ_j softmax_j(q_i·k_j · scale) · v_j[e]. One work-group of LOCAL per (row i, head h), the
     * scores in a global scratch [rows·heads, rows].
     */
    public static void attention(KernelContext c, FloatArray qkv, FloatArray scores, FloatArray out, int rows, int heads, int hd, float scale) {
        int g = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        int i = g / heads, h = g % heads, d = heads * hd, d3 = 3 * d;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int qo = i * d3 + h * hd, so = g * rows;
        float m = -3.0e38f;
        for (int j = lid; j < rows; j += lsz) {
            int ko = j * d3 + d + h * hd;
            float dot = 0f;
            for (int e = 0; e < hd; e++) dot += qkv.get(qo + e) * qkv.get(ko + e);
            float s = dot * scale;
            scores.set(so + j, s);
            m = TornadoMath.max(m, s);
        }
        p[lid] = m;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] = TornadoMath.max(p[lid], p[lid + st]);
        }
        c.localBarrier();
        float mx = p[0];
        c.localBarrier();
        float sum = 0f;
        for (int j = lid; j < rows; j += lsz) {
            float e = TornadoMath.exp(scores.get(so + j) - mx);
            scores.set(so + j, e);
            sum += e;
        }
        p[lid] = sum;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();       // the sum in p[0] for every work-item
        c.globalBarrier();      // this group's score writes before the reads below
        float inv = 1f / p[0];
        for (int e = lid; e < hd; e += lsz) {
            int vo = 2 * d + h * hd + e;
            float acc = 0f;
            for (int j = 0; j < rows; j++) acc += scores.get(so + j) * qkv.get(j * d3 + vo);
            out.set(i * d + h * hd + e, acc * inv);
        }
    }

    /**
     * The windows of a kernel-3, padding-1 convolution: win[t, ch·3 + j] = in(ch, t·stride + j − 1),
     * zero outside [0, frames); the input channel-major [channels, frames] (channelMajor != 0) or
     * time-major [frames, channels]. One work-item per window value.
     */
    public static void window3(KernelContext c, FloatArray in, FloatArray win, int channels, int frames, int outRows, int stride, int channelMajor) {
        int idx = c.globalIdx, k = channels * 3;
        if (idx < outRows * k) {
            int t = idx / k, rest = idx % k, ch = rest / 3, j = rest % 3;
            int s = t * stride + j - 1;
            float v = 0f;
            if (s >= 0 && s < frames) v = channelMajor != 0 ? in.get(ch * frames + s) : in.get(s * channels + ch);
            win.set(idx, v);
        }
    }

    /**
     * The patches of pixels [channels, image, image]: patches[p, (ch·patch + y)·patch + x] =
     * pixel(ch, r·patch + y, q·patch + x) for patch p = r·grid + q. One work-item per value.
     */
    public static void unfold(KernelContext c, FloatArray px, FloatArray patches, int channels, int image, int patch) {
        int idx = c.globalIdx, grid = image / patch, k = channels * patch * patch;
        if (idx < grid * grid * k) {
            int p = idx / k, rest = idx % k;
            int ch = rest / (patch * patch), yx = rest % (patch * patch), y = yx / patch, xx = yx % patch;
            int r = p / grid, q = p % grid;
            patches.set(idx, px.get((ch * image + r * patch + y) * image + q * patch + xx));
        }
    }
}
