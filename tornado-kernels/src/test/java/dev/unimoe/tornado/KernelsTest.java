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

import java.util.Random;

import static dev.unimoe.tornado.KernelHarness.assertClose;
import static dev.unimoe.tornado.KernelHarness.matrix;
import static dev.unimoe.tornado.KernelHarness.random;
import static dev.unimoe.tornado.KernelHarness.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every device kernel against the CPU code on random inputs. Tolerance: the device adds in a
 * different order (64-lane tree reductions) and uses float exp/sqrt; for dot products of n ≤ 512
 * terms of size ~1 the float32 rounding difference is bounded by ~n·2⁻²⁴·Σ|terms| ≈ 1e-4 relative
 * to the magnitude of the result, observed ~1e-6; we allow 1e-4 relative to (1 + |expected|).
 * The weights are the same stored values on both sides (the CPU reads the quantized tensor,
 * the device the converted arrays), so quantization itself is not part of the difference.
 */
class KernelsTest {
    static final float TOL = 1e-4f;
    static final int L = MatVecKernels.LOCAL;

    enum Fmt { F32, F16, BF16, Q8_0, Q4_0 }

    static DType dtype(Fmt f) {
        return DType.valueOf(f.name());
    }

    @ParameterizedTest
    @EnumSource(Fmt.class)
    void matvecMatchesTensorDot(Fmt fmt) {
        Random r = new Random(1);
        int rows = 96, cols = 256;
        Matrix m = matrix(dtype(fmt), random(r, rows * cols, 0.5f), rows, cols);
        float[] x = random(r, cols, 1f);
        float[] want = new float[rows];
        float[] y0 = random(r, rows, 1f);
        for (int i = 0; i < rows; i++) want[i] = y0[i] + m.tensor().dot(m.rowOffset(i), x, 0, cols);
        DeviceMatrix d = DeviceMatrix.of(m);
        FloatArray xs = FloatArray.fromArray(x), y = FloatArray.fromArray(y0);
        Object[] in = concat(d.arrays(), xs, y);
        run(rows * L, L, in, new Object[]{y}, tg -> {
            switch (d.format) {
                case F32 -> tg.task("t", MatVecKernels::matvecF32, new KernelContext(), d.f32, xs, y, cols, 1);
                case F16 -> tg.task("t", MatVecKernels::matvecF16, new KernelContext(), d.f16, xs, y, cols, 1);
                case Q8 -> tg.task("t", MatVecKernels::matvecQ8, new KernelContext(), d.quants, d.scales, xs, y, cols, 1);
            }
        });
        assertClose(want, y.toHeapArray(), TOL, "matvec " + fmt + " (accumulating)");
    }

    @ParameterizedTest
    @EnumSource(value = Fmt.class, names = {"F32", "F16", "Q8_0"})
    void expertGateUpAndDownMatchCpu(Fmt fmt) {
        Random r = new Random(2);
        int E = 4, K = 2, F = 64, H = 128;
        Matrix[] g = new Matrix[E], u = new Matrix[E], dn = new Matrix[E];
        for (int e = 0; e < E; e++) {
            g[e] = matrix(dtype(fmt), random(r, F * H, 0.3f), F, H);
            u[e] = matrix(dtype(fmt), random(r, F * H, 0.3f), F, H);
            dn[e] = matrix(dtype(fmt), random(r, H * F, 0.3f), H, F);
        }
        int[] chosen = {1, 3};
        float[] wsel = {0.7f, 0.3f};
        float[] x = random(r, H, 1f);
        float[] wantHb = new float[K * F], want = new float[H];
        for (int j = 0; j < K; j++) {
            int e = chosen[j];
            for (int i = 0; i < F; i++) {
                float gv = g[e].tensor().dot(g[e].rowOffset(i), x, 0, H), uv = u[e].tensor().dot(u[e].rowOffset(i), x, 0, H);
                wantHb[j * F + i] = Ops.silu(gv) * uv;
            }
            for (int i = 0; i < H; i++) want[i] += wsel[j] * dn[e].tensor().dot(dn[e].rowOffset(i), wantHb, j * F, F);
        }
        DeviceMatrix dg = DeviceMatrix.of(g), du = DeviceMatrix.of(u), dd = DeviceMatrix.of(dn);
        FloatArray xs = FloatArray.fromArray(x), hb = new FloatArray(K * F), out = new FloatArray(H), wts = FloatArray.fromArray(wsel);
        IntArray ids = IntArray.fromArray(chosen);
        run(K * F * L, L, concat(concat(dg.arrays(), du.arrays()), xs, ids), new Object[]{hb}, tg -> {
            switch (dg.format) {
                case F32 -> tg.task("t", MatVecKernels::gateUpF32, new KernelContext(), dg.f32, du.f32, xs, ids, hb, F, H);
                case F16 -> tg.task("t", MatVecKernels::gateUpF16, new KernelContext(), dg.f16, du.f16, xs, ids, hb, F, H);
                case Q8 -> tg.task("t", MatVecKernels::gateUpQ8, new KernelContext(), dg.quants, dg.scales, du.quants, du.scales, xs, ids, hb, F, H);
            }
        });
        assertClose(wantHb, hb.toHeapArray(), TOL, "gateUp " + fmt);
        FloatArray hbIn = FloatArray.fromArray(wantHb);
        run(H * L, L, concat(dd.arrays(), hbIn, ids, wts), new Object[]{out}, tg -> {
            switch (dd.format) {
                case F32 -> tg.task("t", MatVecKernels::downF32, new KernelContext(), dd.f32, hbIn, ids, wts, out, H, F, K, 0);
                case F16 -> tg.task("t", MatVecKernels::downF16, new KernelContext(), dd.f16, hbIn, ids, wts, out, H, F, K, 0);
                case Q8 -> tg.task("t", MatVecKernels::downQ8, new KernelContext(), dd.quants, dd.scales, hbIn, ids, wts, out, H, F, K, 0);
            }
        });
        assertClose(want, out.toHeapArray(), TOL, "down " + fmt);
    }

    @Test
    void rmsnormMatchesOps() {
        Random r = new Random(3);
        int n = 200;
        float[] x = random(r, n, 2f), w = random(r, n, 1f), want = new float[n];
        Ops.rmsnorm(want, 0, x, 0, w, n, 1e-5f);
        FloatArray xs = FloatArray.fromArray(x), ws = FloatArray.fromArray(w), out = new FloatArray(n);
        run(L, L, new Object[]{xs, ws}, new Object[]{out}, tg -> tg.task("t", LayerKernels::rmsnorm, new KernelContext(), xs, ws, out, n, 1e-5f));
        assertClose(want, out.toHeapArray(), TOL, "rmsnorm");
    }

    @Test
    void addIntoAndSigmoid() {
        Random r = new Random(4);
        float[] a = random(r, 100, 1f), b = random(r, 100, 1f), want = new float[100];
        for (int i = 0; i < 100; i++) want[i] = a[i] + b[i];
        FloatArray as = FloatArray.fromArray(a), bs = FloatArray.fromArray(b);
        run(128, L, new Object[]{as, bs}, new Object[]{as}, tg -> tg.task("t", LayerKernels::addInto, new KernelContext(), as, bs, 100));
        assertArrayEquals(want, as.toHeapArray(), "addInto is exact");
        FloatArray in = FloatArray.fromArray(new float[]{0.37f}), out = new FloatArray(1);
        run(1, 1, new Object[]{in}, new Object[]{out}, tg -> tg.task("t", LayerKernels::sigmoid1, new KernelContext(), in, out));
        assertClose(new float[]{Ops.sigmoid(0.37f)}, out.toHeapArray(), 1e-6f, "sigmoid");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void ropeAndCacheWriteMatchRope(boolean pairwise) {
        Random r = new Random(5);
        int heads = 4, kvHeads = 2, hd = 16, ctx = 8, pos = 5, kvd = kvHeads * hd, half = hd / 2;
        float theta = 10000f;
        float[] q = random(r, heads * hd, 1f), k = random(r, kvd, 1f), v = random(r, kvd, 1f);
        Rope rope = new Rope(hd, theta, ctx, pairwise);
        float[] wq = q.clone(), wk = k.clone();
        rope.apply(wq, 0, heads, pos);
        rope.apply(wk, 0, kvHeads, pos);
        float[] cos = new float[ctx * half], sin = new float[ctx * half];
        for (int p = 0; p < ctx; p++) {
            for (int i = 0; i < half; i++) {
                float a = p * (float) (1.0 / Math.pow(theta, (float) (2 * i) / hd));
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        FloatArray qs = FloatArray.fromArray(q), ks = FloatArray.fromArray(k), vs = FloatArray.fromArray(v);
        FloatArray kc = new FloatArray(ctx * kvd), vc = new FloatArray(ctx * kvd), cs = FloatArray.fromArray(cos), sn = FloatArray.fromArray(sin);
        IntArray ps = IntArray.fromArray(new int[]{pos});
        int pw = pairwise ? 1 : 0;
        run(64, 32, new Object[]{qs, ks, vs, kc, vc, cs, sn, ps}, new Object[]{qs, ks, kc, vc},
                tg -> tg.task("t", LayerKernels::ropeKv, new KernelContext(), qs, ks, vs, kc, vc, cs, sn, ps, heads, kvHeads, half, pw));
        // same table and formula; the OpenCL compiler may contract x0·c − x1·s into an fma: 1 ulp
        assertClose(wq, qs.toHeapArray(), 1e-6f, "rotated q");
        assertClose(wk, ks.toHeapArray(), 1e-6f, "rotated k");
        float[] kcs = kc.toHeapArray(), vcs = vc.toHeapArray();
        assertClose(wk, java.util.Arrays.copyOfRange(kcs, pos * kvd, (pos + 1) * kvd), 1e-6f, "k cache row");
        assertArrayEquals(v, java.util.Arrays.copyOfRange(vcs, pos * kvd, (pos + 1) * kvd), "v cache row");
    }

    @Test
    void attentionMatchesCpuLoops() {
        Random r = new Random(6);
        int heads = 4, kvHeads = 2, hd = 32, ctx = 80, pos = 70, kvd = kvHeads * hd;
        float[] q = random(r, heads * hd, 1f), kc = random(r, ctx * kvd, 1f), vc = random(r, ctx * kvd, 1f);
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] want = new float[heads * hd];
        for (int h = 0; h < heads; h++) {                    // dev.unimoe.model.Attention.run for one row (package-private there)
            int len = pos + 1, ko = (h / (heads / kvHeads)) * hd;
            float[] s = new float[len];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                float d = 0;
                for (int i = 0; i < hd; i++) d += q[h * hd + i] * kc[j * kvd + ko + i];
                s[j] = d * scale;
                max = Math.max(max, s[j]);
            }
            float sum = 0;
            for (int j = 0; j < len; j++) { s[j] = (float) Math.exp(s[j] - max); sum += s[j]; }
            float inv = 1f / sum;
            for (int j = 0; j < len; j++) for (int i = 0; i < hd; i++) want[h * hd + i] += s[j] * inv * vc[j * kvd + ko + i];
        }
        FloatArray qs = FloatArray.fromArray(q), kcs = FloatArray.fromArray(kc), vcs = FloatArray.fromArray(vc);
        FloatArray scores = new FloatArray(heads * ctx), out = new FloatArray(heads * hd);
        IntArray ps = IntArray.fromArray(new int[]{pos});
        run(heads * L, L, new Object[]{qs, kcs, vcs, ps}, new Object[]{out},
                tg -> tg.task("t", AttentionKernels::attention, new KernelContext(), qs, kcs, vcs, scores, out, ps, heads, kvHeads, hd, ctx, scale));
        assertClose(want, out.toHeapArray(), TOL, "attention");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void routeMatchesRouter(boolean norm) {
        Random r = new Random(7);
        int E = 8, K = 3;
        float[] logits = random(r, E, 2f);
        int[] ids = new int[K];
        float[] w = new float[K];
        Router.route(logits, 1, E, K, norm, ids, w, new float[E]);
        // the device sorts the k pairs by expert id (the CPU sums experts in that order too)
        Integer[] order = {0, 1, 2};
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(ids[a], ids[b]));
        int[] wantIds = new int[K];
        float[] wantW = new float[K];
        for (int j = 0; j < K; j++) { wantIds[j] = ids[order[j]]; wantW[j] = w[order[j]]; }
        FloatArray ls = FloatArray.fromArray(logits), probs = new FloatArray(E), ws = new FloatArray(K);
        IntArray is = new IntArray(K);
        int nm = norm ? 1 : 0;
        run(1, 1, new Object[]{ls}, new Object[]{is, ws}, tg -> tg.task("t", RouterKernels::route, new KernelContext(), ls, probs, is, ws, E, K, nm));
        assertArrayEquals(wantIds, is.toHeapArray(), "chosen experts");
        assertClose(wantW, ws.toHeapArray(), 1e-5f, "weights");
        assertEquals(K, is.getSize());
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
