package dev.unimoe.encoders;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise pieces of the encoders (LayerNorm, the GELU family, softmax, residual adds), in
 * plain Java. The activation and softmax loops run on 256-bit vectors: an encoder evaluates them
 * on every element of its [tokens, ffn] and [tokens, tokens] arrays (Whisper-small: 55 M GELUs and
 * 324 M exponentials per 30 s chunk), which scalar {@code Math.exp} would make a sizeable share of
 * the forward pass. Every vector loop has a scalar twin computing the same operations in the same
 * order (tails, {@code -Dunimoe.vector=false}).
 */
public final class EncoderOps {
    private EncoderOps() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final boolean VECTOR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !"false".equalsIgnoreCase(System.getProperty("unimoe.vector", "true"));

    // erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4] (|erf| rounds to 1 in float32 beyond): the rational
    // minimax approximation used by Eigen and XLA for float32. Max |error| against float64:
    // 6.5e-8 in exact arithmetic, 3.3e-7 evaluated in float32 (worst near |x| = 3.9, where
    // erf ≈ ±(1 − 2e-8)); relative error ≤ 2.4e-7 for |x| < 0.5 (EncoderOpsTest). The GELU
    // built on it is within 1e-6 of float64 relative to max(1, |gelu|) and costs about a
    // nanosecond per value, where Commons Math's float64 Erf.erf costs ~0.5 µs.
    // (public: device kernels evaluate the same polynomial; javac folds these constants into them)
    public static final float A13 = -2.72614225801306e-10f, A11 = 2.77068142495902e-08f, A9 = -2.10102402082508e-06f,
            A7 = -5.69250639462346e-05f, A5 = -7.34990630326855e-04f, A3 = -2.95459980854025e-03f, A1 = -1.60960333262415e-02f;
    public static final float B8 = -1.45660718464996e-05f, B6 = -2.13374055278905e-04f, B4 = -1.68282697438203e-03f,
            B2 = -7.37332916720468e-03f, B0 = -1.42647390514189e-02f;
    // exp(x) = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 (ln 2 split in two so r is
    // exact enough), e^r by the Cephes expf polynomial (|r| ≤ ln2/2, about 1 ulp). The vector and
    // scalar forms run the same float operations, so a value never depends on which one computed
    // it or on how hot the code is (lanewise(EXP) differs in the last bit between its SVML
    // intrinsic and the interpreter). Inputs are clamped so 2^n stays a normal float.
    private static final float EXP_HI = 88f, EXP_LO = -87f;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;   // 1.5·2^23: adding and subtracting it rounds to an integer
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    public static final float SQRT_HALF = 0.70710678118654752f;
    public static final float QUICK_GELU_K = 1.702f;
    public static final float TANH_C = 0.7978845608028654f;   // √(2/π)
    public static final float TANH_C3 = 0.044715f;

    /** erf in float32 (see the constants above for its accuracy). */
    public static float erf(float x) {
        float c = Math.max(-4f, Math.min(4f, x));
        float x2 = c * c;
        float p = Math.fma(x2, A13, A11);
        p = Math.fma(x2, p, A9);
        p = Math.fma(x2, p, A7);
        p = Math.fma(x2, p, A5);
        p = Math.fma(x2, p, A3);
        p = Math.fma(x2, p, A1);
        float q = Math.fma(x2, B8, B6);
        q = Math.fma(x2, q, B4);
        q = Math.fma(x2, q, B2);
        q = Math.fma(x2, q, B0);
        return c * p / q;
    }

    /** e^x in float32, within about 1 ulp for x in [−87, 88] (clamped outside). */
    public static float exp(float x) {
        float c = Math.max(EXP_LO, Math.min(EXP_HI, x));
        float n = (c * LOG2E + ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(r, p, P2);
        p = Math.fma(r, p, P3);
        p = Math.fma(r, p, P4);
        p = Math.fma(r, p, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /** {@link #exp(float)} on 8 lanes, operation for operation. */
    private static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), c);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = r.fma(p, FloatVector.broadcast(F, P2));
        p = r.fma(p, FloatVector.broadcast(F, P3));
        p = r.fma(p, FloatVector.broadcast(F, P4));
        p = r.fma(p, FloatVector.broadcast(F, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /** Exact (erf) GELU, {@code nn.GELU()}: 0.5·x·(1 + erf(x/√2)). */
    public static float gelu(float x) {
        return 0.5f * x * (1f + erf(x * SQRT_HALF));
    }

    /** CLIP's quick_gelu: x·sigmoid(1.702·x). */
    public static float quickGelu(float x) {
        return x / (1f + exp(-QUICK_GELU_K * x));
    }

    /** The tanh approximation ("gelu_new", "gelu_pytorch_tanh"). */
    public static float geluTanh(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(TANH_C * (x + TANH_C3 * x * x * x)));
    }

    /** In-place exact GELU of x[off, off+n). */
    public static void gelu(float[] x, int off, int n) {
        int i = 0;
        if (VECTOR) {
            FloatVector lo = FloatVector.broadcast(F, -4f), hi = FloatVector.broadcast(F, 4f);
            for (int up = F.loopBound(n); i < up; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, off + i);
                FloatVector c = v.mul(SQRT_HALF).max(lo).min(hi);
                FloatVector x2 = c.mul(c);
                FloatVector p = x2.fma(A13, A11);
                p = x2.fma(p, FloatVector.broadcast(F, A9));
                p = x2.fma(p, FloatVector.broadcast(F, A7));
                p = x2.fma(p, FloatVector.broadcast(F, A5));
                p = x2.fma(p, FloatVector.broadcast(F, A3));
                p = x2.fma(p, FloatVector.broadcast(F, A1));
                FloatVector q = x2.fma(B8, B6);
                q = x2.fma(q, FloatVector.broadcast(F, B4));
                q = x2.fma(q, FloatVector.broadcast(F, B2));
                q = x2.fma(q, FloatVector.broadcast(F, B0));
                FloatVector erf = c.mul(p).div(q);
                v.mul(0.5f).mul(erf.add(1f)).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) x[off + i] = gelu(x[off + i]);
    }

    /** In-place quick_gelu of x[off, off+n). */
    public static void quickGelu(float[] x, int off, int n) {
        int i = 0;
        if (VECTOR) {
            for (int up = F.loopBound(n); i < up; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, off + i);
                FloatVector e = exp(v.mul(-QUICK_GELU_K));
                v.div(e.add(1f)).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) x[off + i] = quickGelu(x[off + i]);
    }

    /** In-place tanh-approximated GELU of x[off, off+n) (rare in these towers: scalar). */
    public static void geluTanh(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) x[off + i] = geluTanh(x[off + i]);
    }

    /**
     * In-place softmax of x[off, off+n) after multiplying by {@code scale}: max-subtracted,
     * float32, exponentials on vectors.
     */
    public static void softmax(float[] x, int off, int n, float scale) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (VECTOR && n >= F.length()) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int up = F.loopBound(n); i < up; i += F.length()) m = m.max(FloatVector.fromArray(F, x, off + i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        float shift = max * scale;
        float sum = 0f;
        i = 0;
        if (VECTOR && n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int up = F.loopBound(n); i < up; i += F.length()) {
                FloatVector e = exp(FloatVector.fromArray(F, x, off + i).mul(scale).sub(shift));
                e.intoArray(x, off + i);
                acc = acc.add(e);
            }
            sum = sum(acc);
        }
        for (; i < n; i++) {
            float e = exp(x[off + i] * scale - shift);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, 1f / sum);
    }

    /**
     * Σ of the 8 lanes in a fixed order: {@code reduceLanes(ADD)} leaves the order open and the
     * interpreter and the C2 intrinsic differ, which would make results depend on how hot the code is.
     */
    private static float sum(FloatVector v) {
        return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6))) + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
    }

    /** x[off, off+n) *= s. */
    public static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        if (VECTOR) {
            for (int up = F.loopBound(n); i < up; i += F.length()) {
                FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) x[off + i] *= s;
    }

    /** dst[0, n) += src[0, n): the residual connection. */
    public static void add(float[] dst, float[] src, int n) {
        int i = 0;
        if (VECTOR) {
            for (int up = F.loopBound(n); i < up; i += F.length()) {
                FloatVector.fromArray(F, dst, i).add(FloatVector.fromArray(F, src, i)).intoArray(dst, i);
            }
        }
        for (; i < n; i++) dst[i] += src[i];
    }

    /** Adds {@code bias} to each of {@code rows} rows of x. */
    public static void addBias(float[] x, int rows, float[] bias) {
        int n = bias.length;
        for (int r = 0; r < rows; r++) {
            int off = r * n, i = 0;
            if (VECTOR) {
                for (int up = F.loopBound(n); i < up; i += F.length()) {
                    FloatVector.fromArray(F, x, off + i).add(FloatVector.fromArray(F, bias, i)).intoArray(x, off + i);
                }
            }
            for (; i < n; i++) x[off + i] += bias[i];
        }
    }

    /**
     * LayerNorm of one row: (x − mean) / √(var + eps) · w + b, biased variance. Mean and variance
     * are accumulated in float64 so the result does not depend on the summation order.
     */
    public static void layerNorm(float[] x, int xOff, float[] out, int outOff, int n, float[] w, float[] b, float eps) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[xOff + i];
        double mean = s / n;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = x[xOff + i] - mean;
            ss += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(ss / n + eps));
        float m = (float) mean;
        for (int i = 0; i < n; i++) out[outOff + i] = (x[xOff + i] - m) * rstd * w[i] + b[i];
    }
}
