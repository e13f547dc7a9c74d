package dev.unimoe.tornado;

import dev.unimoe.model.Ops;
import dev.unimoe.model.Rope;
import dev.unimoe.model.Router;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;
import java.util.Random;

import static dev.unimoe.tornado.KernelHarness.assertClose;
import static dev.unimoe.tornado.KernelHarness.matrix;
import static dev.unimoe.tornado.KernelHarness.random;
import static dev.unimoe.tornado.KernelHarness.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every decoder kernel against the CPU code on random inputs, over a batch of B = 3 rows of which
 * the call takes n = 2 (pos = [first position, n]): the third row's group must leave its outputs
 * untouched. Widths (96, 70) are not multiples of the 64-lane work-group, positions pass 64, and
 * the weights are each stored format (BF16 widened to F32 and Q4_0 converted to Q8 at load).
 *
 * <p>Tolerance: the device adds in another order (64-lane tree reductions) and uses float
 * exp/sqrt; for dot products of n ≤ 96 terms of size ~1 the float32 rounding difference is
 * bounded by ~n·2⁻²⁴·Σ|terms| ≈ 1e-5 relative to the result, observed ≤ 4e-6, so we allow 1e-4
 * relative to (1 + |expected|). Both sides read the same stored weight values (the CPU the
 * quantized tensor, the device its converted arrays), so quantization is not part of the
 * difference.
 */
class KernelsTest {
    static final float TOL = 1e-4f;
    static final int L = MatVecKernels.LOCAL, B = 3, N = 2;
    static final float UNTOUCHED = 7f;     // what the dead row's outputs hold before and after

    enum Fmt { F32, F16, BF16, Q8_0, Q4_0 }

    static DType dtype(Fmt f) {
        return DType.valueOf(f.name());
    }

    static FloatArray filled(int n, float v) {
        FloatArray a = new FloatArray(n);
        a.init(v);
        return a;
    }

    /** RoPE tables as the decoder builds them ({@code dev.unimoe.model.Rope}'s formula). */
    static float[][] ropeTables(int hd, float theta, int ctx) {
        int half = hd / 2;
        float[] cos = new float[ctx * half], sin = new float[ctx * half];
        for (int p = 0; p < ctx; p++) {
            for (int i = 0; i < half; i++) {
                float a = p * (float) (1.0 / Math.pow(theta, (float) (2 * i) / hd));
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        return new float[][]{cos, sin};
    }

    @ParameterizedTest
    @EnumSource(Fmt.class)
    void qkvMatchesNormProjectionRopeAndCacheWrite(Fmt fmt) {
        for (boolean pairwise : new boolean[]{false, true}) {
            Random r = new Random(1);
            int H = 96, heads = 4, kvHeads = 2, hd = 16, half = hd / 2, qd = heads * hd, kvd = kvHeads * hd, ctx = 80, pos0 = 70;
            float theta = 10000f, eps = 1e-5f;
            Matrix wq = matrix(dtype(fmt), random(r, qd * H, 0.3f), qd, H), wk = matrix(dtype(fmt), random(r, kvd * H, 0.3f), kvd, H);
            Matrix wv = matrix(dtype(fmt), random(r, kvd * H, 0.3f), kvd, H);
            float[] x = random(r, B * H, 1f), norm = random(r, H, 1f), bias = random(r, qd + 2 * kvd, 0.5f);
            float[] wantQ = new float[B * qd], wantK = new float[ctx * kvd], wantV = new float[ctx * kvd];
            Arrays.fill(wantQ, UNTOUCHED);
            Arrays.fill(wantK, UNTOUCHED);
            Arrays.fill(wantV, UNTOUCHED);
            Rope rope = new Rope(hd, theta, ctx, pairwise);
            for (int t = 0; t < N; t++) {
                float[] xn = new float[H], q = new float[qd], k = new float[kvd], v = new float[kvd];
                Ops.rmsnorm(xn, 0, x, t * H, norm, H, eps);
                for (int i = 0; i < qd; i++) q[i] = wq.tensor().dot(wq.rowOffset(i), xn, 0, H) + bias[i];
                for (int i = 0; i < kvd; i++) {
                    k[i] = wk.tensor().dot(wk.rowOffset(i), xn, 0, H) + bias[qd + i];
                    v[i] = wv.tensor().dot(wv.rowOffset(i), xn, 0, H) + bias[qd + kvd + i];
                }
                rope.apply(q, 0, heads, pos0 + t);
                rope.apply(k, 0, kvHeads, pos0 + t);
                System.arraycopy(q, 0, wantQ, t * qd, qd);
                System.arraycopy(k, 0, wantK, (pos0 + t) * kvd, kvd);
                System.arraycopy(v, 0, wantV, (pos0 + t) * kvd, kvd);
            }
            float[][] cs = ropeTables(hd, theta, ctx);
            DeviceMatrix m = DeviceMatrix.of(wq, wk, wv);
            FloatArray xs = FloatArray.fromArray(x), ns = FloatArray.fromArray(norm), bs = FloatArray.fromArray(bias);
            FloatArray q = filled(B * qd, UNTOUCHED), kc = filled(ctx * kvd, UNTOUCHED), vc = filled(ctx * kvd, UNTOUCHED);
            FloatArray cos = FloatArray.fromArray(cs[0]), sin = FloatArray.fromArray(cs[1]);
            IntArray pos = IntArray.fromElements(pos0, N);
            int groups = B * (heads * half + kvHeads * half + kvd), pw = pairwise ? 1 : 0;
            run(groups * L, L, concat(m.arrays(), xs, ns, bs, q, kc, vc, cos, sin, pos), new Object[]{q, kc, vc}, tg -> {
                switch (m.format) {
                    case F32 -> tg.task("t", QkvKernels::qkvF32, new KernelContext(), xs, ns, m.f32, bs, q, kc, vc, cos, sin, pos, H, heads, kvHeads, half, pw, eps);
                    case F16 -> tg.task("t", QkvKernels::qkvF16, new KernelContext(), xs, ns, m.f16, bs, q, kc, vc, cos, sin, pos, H, heads, kvHeads, half, pw, eps);
                    case Q8 -> tg.task("t", QkvKernels::qkvQ8, new KernelContext(), xs, ns, m.quants, m.scales, bs, q, kc, vc, cos, sin, pos,
                            H, heads, kvHeads, half, pw, eps);
                }
            });
            String what = "qkv " + fmt + (pairwise ? " pairwise" : "");
            assertClose(wantQ, q.toHeapArray(), TOL, what + ": q rows (the third untouched)");
            assertClose(wantK, kc.toHeapArray(), TOL, what + ": k cache (only the rows' positions written)");
            assertClose(wantV, vc.toHeapArray(), TOL, what + ": v cache");
        }
    }

    @Test
    void attentionIsCausalOverTheCacheForEachRow() {
        Random r = new Random(2);
        int heads = 4, kvHeads = 2, hd = 32, ctx = 80, pos0 = 70, qd = heads * hd, kvd = kvHeads * hd;
        float[] q = random(r, B * qd, 1f), kc = random(r, ctx * kvd, 1f), vc = random(r, ctx * kvd, 1f);
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] want = new float[B * qd];
        Arrays.fill(want, UNTOUCHED);
        for (int t = 0; t < N; t++) {                        // dev.unimoe.model.Attention.run (package-private there), row t
            int len = pos0 + t + 1;
            for (int h = 0; h < heads; h++) {
                int ko = (h / (heads / kvHeads)) * hd, qo = t * qd + h * hd;
                float[] s = new float[len];
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    float dot = 0;
                    for (int i = 0; i < hd; i++) dot += q[qo + i] * kc[j * kvd + ko + i];
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                float sum = 0;
                for (int j = 0; j < len; j++) { s[j] = (float) Math.exp(s[j] - max); sum += s[j]; }
                float inv = 1f / sum;
                Arrays.fill(want, qo, qo + hd, 0f);
                for (int j = 0; j < len; j++) for (int i = 0; i < hd; i++) want[qo + i] += s[j] * inv * vc[j * kvd + ko + i];
            }
        }
        FloatArray qs = FloatArray.fromArray(q), kcs = FloatArray.fromArray(kc), vcs = FloatArray.fromArray(vc);
        FloatArray scores = new FloatArray(B * heads * ctx), out = filled(B * qd, UNTOUCHED);
        IntArray pos = IntArray.fromElements(pos0, N);
        run(B * heads * L, L, new Object[]{qs, kcs, vcs, out, pos}, new Object[]{out},
                tg -> tg.task("t", AttentionKernels::attention, new KernelContext(), qs, kcs, vcs, scores, out, pos, heads, kvHeads, hd, ctx, scale));
        assertClose(want, out.toHeapArray(), TOL, "attention");
    }

    @ParameterizedTest
    @EnumSource(Fmt.class)
    void linearMatchesTensorDot(Fmt fmt) {
        for (int acc : new int[]{0, 1}) {
            Random r = new Random(3);
            int rows = 70, cols = 96;
            Matrix m = matrix(dtype(fmt), random(r, rows * cols, 0.5f), rows, cols);
            float[] x = random(r, B * cols, 1f), y0 = random(r, B * rows, 1f), want = y0.clone();
            for (int t = 0; t < N; t++) {
                for (int i = 0; i < rows; i++) {
                    float v = m.tensor().dot(m.rowOffset(i), x, t * cols, cols);
                    want[t * rows + i] = acc != 0 ? want[t * rows + i] + v : v;
                }
            }
            DeviceMatrix dm = DeviceMatrix.of(m);
            FloatArray xs = FloatArray.fromArray(x), y = FloatArray.fromArray(y0);
            IntArray pos = IntArray.fromElements(0, N);
            run(B * rows * L, L, concat(dm.arrays(), xs, y, pos), new Object[]{y}, tg -> {
                switch (dm.format) {
                    case F32 -> tg.task("t", MatVecKernels::linearF32, new KernelContext(), dm.f32, xs, y, pos, rows, cols, acc);
                    case F16 -> tg.task("t", MatVecKernels::linearF16, new KernelContext(), dm.f16, xs, y, pos, rows, cols, acc);
                    case Q8 -> tg.task("t", MatVecKernels::linearQ8, new KernelContext(), dm.quants, dm.scales, xs, y, pos, rows, cols, acc);
                }
            });
            assertClose(want, y.toHeapArray(), TOL, "linear " + fmt + (acc != 0 ? " accumulating" : "") + " (the third row untouched)");
        }
    }

    /**
     * Routed experts (mode 0: each row's two chosen experts, weighted), then the same stack as a
     * shared expert (expert 0, weighted by the row's sigmoid gate, mode 1) and as a dense FFN
     * (expert 0, weight 1, mode 2), each added to the hidden rows.
     */
    @ParameterizedTest
    @EnumSource(Fmt.class)
    void gateUpAndDownMatchSwiGluExperts(Fmt fmt) {
        Random r = new Random(4);
        int E = 4, K = 2, F = 96, H = 96;
        Matrix[] g = new Matrix[E], u = new Matrix[E], dn = new Matrix[E];
        for (int e = 0; e < E; e++) {
            g[e] = matrix(dtype(fmt), random(r, F * H, 0.3f), F, H);
            u[e] = matrix(dtype(fmt), random(r, F * H, 0.3f), F, H);
            dn[e] = matrix(dtype(fmt), random(r, H * F, 0.3f), H, F);
        }
        int[] ids = {1, 3, 2, 0, 3, 3};                      // [B, K]; the dead row's ids repeat (never read)
        float[] wts = {0.7f, 0.3f, 0.4f, 0.6f, 9f, 9f}, sgw = {0.25f, 0.8f, 9f};
        float[] xb = random(r, B * H, 1f), x0 = random(r, B * H, 1f);
        DeviceMatrix dg = DeviceMatrix.of(g), du = DeviceMatrix.of(u), dd = DeviceMatrix.of(dn);
        for (int mode = 0; mode < 3; mode++) {
            int k = mode == 0 ? K : 1;
            float[] wantHb = new float[B * k * F], want = x0.clone();
            Arrays.fill(wantHb, UNTOUCHED);
            for (int t = 0; t < N; t++) {
                for (int j = 0; j < k; j++) {
                    int e = mode == 0 ? ids[t * K + j] : 0;
                    for (int i = 0; i < F; i++) {
                        float gv = g[e].tensor().dot(g[e].rowOffset(i), xb, t * H, H), uv = u[e].tensor().dot(u[e].rowOffset(i), xb, t * H, H);
                        wantHb[(t * k + j) * F + i] = Ops.silu(gv) * uv;
                    }
                }
                for (int i = 0; i < H; i++) {
                    float total = 0f;
                    for (int j = 0; j < k; j++) {
                        int e = mode == 0 ? ids[t * K + j] : 0;
                        float w = mode == 0 ? wts[t * K + j] : mode == 1 ? sgw[t] : 1f;
                        total += w * dn[e].tensor().dot(dn[e].rowOffset(i), wantHb, (t * k + j) * F, F);
                    }
                    want[t * H + i] += total;
                }
            }
            IntArray is = IntArray.fromArray(mode == 0 ? ids : new int[B * k]), pos = IntArray.fromElements(5, N);
            int routed = mode == 0 ? 1 : 0, md = mode;
            FloatArray xbs = FloatArray.fromArray(xb), hb = filled(B * k * F, UNTOUCHED);
            run(B * k * F * L, L, concat(concat(dg.arrays(), du.arrays()), xbs, is, hb, pos), new Object[]{hb}, tg -> {
                switch (dg.format) {
                    case F32 -> tg.task("t", MatVecKernels::gateUpF32, new KernelContext(), dg.f32, du.f32, xbs, is, hb, pos, H, F, k, routed);
                    case F16 -> tg.task("t", MatVecKernels::gateUpF16, new KernelContext(), dg.f16, du.f16, xbs, is, hb, pos, H, F, k, routed);
                    case Q8 -> tg.task("t", MatVecKernels::gateUpQ8, new KernelContext(), dg.quants, dg.scales, du.quants, du.scales, xbs, is, hb, pos,
                            H, F, k, routed);
                }
            });
            assertClose(wantHb, hb.toHeapArray(), TOL, "gateUp " + fmt + " mode " + mode);
            FloatArray hbIn = FloatArray.fromArray(wantHb), ws = FloatArray.fromArray(wts), sg = FloatArray.fromArray(sgw), x = FloatArray.fromArray(x0);
            run(B * H * L, L, concat(dd.arrays(), hbIn, is, ws, sg, x, pos), new Object[]{x}, tg -> {
                switch (dd.format) {
                    case F32 -> tg.task("t", MatVecKernels::downF32, new KernelContext(), dd.f32, hbIn, is, ws, sg, x, pos, H, F, k, md);
                    case F16 -> tg.task("t", MatVecKernels::downF16, new KernelContext(), dd.f16, hbIn, is, ws, sg, x, pos, H, F, k, md);
                    case Q8 -> tg.task("t", MatVecKernels::downQ8, new KernelContext(), dd.quants, dd.scales, hbIn, is, ws, sg, x, pos, H, F, k, md);
                }
            });
            assertClose(want, x.toHeapArray(), TOL, "down " + fmt + " mode " + mode + " (added to the hidden rows)");
        }
    }

    /** Every row (the FFN input), and the last row alone into row 0 (the final norm before the LM head). */
    @Test
    void rmsnormRowsAndLastRowMatchOps() {
        Random r = new Random(5);
        int n = 200;
        float eps = 1e-5f;
        float[] x = random(r, B * n, 2f), w = random(r, n, 1f), want = new float[B * n];
        Arrays.fill(want, UNTOUCHED);
        for (int t = 0; t < N; t++) Ops.rmsnorm(want, t * n, x, t * n, w, n, eps);
        FloatArray xs = FloatArray.fromArray(x), ws = FloatArray.fromArray(w), out = filled(B * n, UNTOUCHED);
        IntArray pos = IntArray.fromElements(9, N);
        run(B * L, L, new Object[]{xs, ws, out, pos}, new Object[]{out},
                tg -> tg.task("t", LayerKernels::rmsnorm, new KernelContext(), xs, ws, out, pos, n, 0, eps));
        assertClose(want, out.toHeapArray(), TOL, "rmsnorm rows");
        float[] wantLast = new float[n];
        Ops.rmsnorm(wantLast, 0, x, (N - 1) * n, w, n, eps);
        FloatArray last = new FloatArray(n);
        run(L, L, new Object[]{xs, ws, pos}, new Object[]{last},
                tg -> tg.task("t", LayerKernels::rmsnorm, new KernelContext(), xs, ws, last, pos, n, 1, eps));
        assertClose(wantLast, last.toHeapArray(), TOL, "rmsnorm of the last row");
    }

    /** The FFN norm with R router logits per row (R = 0: a dense layer, the norm alone). */
    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void normRouterMatchesNormAndRouterRows(int R) {
        Random r = new Random(6);
        int H = 96;
        float eps = 1e-5f;
        float[] x = random(r, B * H, 2f), w = random(r, H, 1f), router = random(r, Math.max(1, R * H), 0.5f);
        float[] wantXb = new float[B * H], wantLog = new float[B * Math.max(1, R)];
        Arrays.fill(wantXb, UNTOUCHED);
        Arrays.fill(wantLog, UNTOUCHED);
        for (int t = 0; t < N; t++) {
            Ops.rmsnorm(wantXb, t * H, x, t * H, w, H, eps);
            for (int u = 0; u < R; u++) {
                float s = 0f;
                for (int i = 0; i < H; i++) s += router[u * H + i] * wantXb[t * H + i];
                wantLog[t * R + u] = s;
            }
        }
        FloatArray xs = FloatArray.fromArray(x), ws = FloatArray.fromArray(w), rs = FloatArray.fromArray(router);
        FloatArray xb = filled(B * H, UNTOUCHED), rlog = filled(B * Math.max(1, R), UNTOUCHED);
        IntArray pos = IntArray.fromElements(0, N);
        run(B * Math.max(1, R) * L, L, new Object[]{xs, ws, rs, xb, rlog, pos}, new Object[]{xb, rlog},
                tg -> tg.task("t", LayerKernels::normRouter, new KernelContext(), xs, ws, rs, xb, rlog, pos, H, R, eps));
        assertClose(wantXb, xb.toHeapArray(), TOL, "FFN norm");
        assertClose(wantLog, rlog.toHeapArray(), TOL, "router logits");
    }

    /** Top-k per row as {@link Router}, pairs sorted by expert id (the order the CPU sums experts in); the shared gate's sigmoid. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void routeMatchesRouterPerRow(boolean norm) {
        Random r = new Random(7);
        int E = 8, K = 3, R = E + 1;                          // logit E of a row is the shared expert's gate
        float[] logits = random(r, B * R, 2f);
        float[] cpuLogits = new float[N * E], wantW = new float[B * K], wantSgw = {UNTOUCHED, UNTOUCHED, UNTOUCHED};
        int[] wantIds = new int[B * K], cpuIds = new int[N * K];
        for (int t = 0; t < N; t++) System.arraycopy(logits, t * R, cpuLogits, t * E, E);
        float[] cpuW = new float[N * K];
        Router.route(cpuLogits, N, E, K, norm, cpuIds, cpuW, new float[E]);
        Arrays.fill(wantIds, -5);
        Arrays.fill(wantW, UNTOUCHED);
        for (int t = 0; t < N; t++) {
            Integer[] order = {0, 1, 2};
            final int row = t;
            Arrays.sort(order, (a, b) -> Integer.compare(cpuIds[row * K + a], cpuIds[row * K + b]));
            for (int j = 0; j < K; j++) {
                wantIds[t * K + j] = cpuIds[t * K + order[j]];
                wantW[t * K + j] = cpuW[t * K + order[j]];
            }
            wantSgw[t] = Ops.sigmoid(logits[t * R + E]);
        }
        FloatArray ls = FloatArray.fromArray(logits), probs = new FloatArray(B * E), ws = filled(B * K, UNTOUCHED), sgw = filled(B, UNTOUCHED);
        IntArray is = IntArray.fromArray(new int[]{-5, -5, -5, -5, -5, -5, -5, -5, -5});
        IntArray pos = IntArray.fromElements(0, N);
        int nm = norm ? 1 : 0;
        run(B * L, L, new Object[]{ls, is, ws, sgw, pos}, new Object[]{is, ws, sgw},
                tg -> tg.task("t", RouterKernels::route, new KernelContext(), ls, probs, is, ws, sgw, pos, E, K, R, nm, 1));
        assertArrayEquals(wantIds, is.toHeapArray(), "chosen experts (the third row untouched)");
        assertClose(wantW, ws.toHeapArray(), 1e-5f, "weights");
        assertClose(wantSgw, sgw.toHeapArray(), 1e-5f, "shared expert gate");
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] o = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
