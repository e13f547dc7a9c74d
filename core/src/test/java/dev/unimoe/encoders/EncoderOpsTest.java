package dev.unimoe.encoders;

import dev.unimoe.kernels.CpuKernels;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncoderOpsTest {

    @Test
    void erfIsFloat32AccurateAgainstFloat64() {
        double maxAbs = 0, maxRelSmall = 0;
        for (int i = -600_000; i <= 600_000; i++) {
            float x = i * 1e-5f;
            double exact = Erf.erf(x);
            double err = Math.abs(EncoderOps.erf(x) - exact);
            maxAbs = Math.max(maxAbs, err);
            if (x != 0 && Math.abs(x) < 0.5) maxRelSmall = Math.max(maxRelSmall, err / Math.abs(exact));
        }
        System.out.printf("erf float32: max |error| %.3g on [-6, 6], max relative error %.3g on |x| < 0.5%n", maxAbs, maxRelSmall);
        assertTrue(maxAbs < 4e-7, "erf max abs error " + maxAbs);            // a few float32 ulp of 1.0
        assertTrue(maxRelSmall < 5e-7, "erf max rel error " + maxRelSmall);
        assertEquals(1f, EncoderOps.erf(10f));
        assertEquals(-1f, EncoderOps.erf(-10f));
    }

    @Test
    void expIsWithinAboutOneUlp() {
        double worst = 0;
        for (int i = -870_000; i <= 880_000; i++) {
            float x = i * 1e-4f;
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(EncoderOps.exp(x) - exact) / Math.ulp((float) exact));
        }
        System.out.printf("exp float32: max error %.2f ulp on [-87, 88]%n", worst);
        assertTrue(worst < 1.5, "exp error " + worst + " ulp");
        assertTrue(EncoderOps.exp(-1000f) < 1e-37f && EncoderOps.exp(-1000f) >= 0f);
        assertTrue(Float.isFinite(EncoderOps.exp(1000f)));
    }

    @Test
    void vectorAndScalarActivationsAgreeWithFloat64() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 1003;   // a scalar tail after the vector loop
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 3);
        float[] g = x.clone(), q = x.clone();
        EncoderOps.gelu(g, 0, n);
        EncoderOps.quickGelu(q, 0, n);
        double ge = 0, qe = 0;
        for (int i = 0; i < n; i++) {
            double xd = x[i];
            double gd = 0.5 * xd * (1 + Erf.erf(xd / Math.sqrt(2)));
            double qd = xd / (1 + Math.exp(-1.702 * xd));
            ge = Math.max(ge, Math.abs(g[i] - gd) / Math.max(1, Math.abs(gd)));
            qe = Math.max(qe, Math.abs(q[i] - qd) / Math.max(1, Math.abs(qd)));
            // The vector loops run the scalar twins' operations: bit-identical, whichever computed them.
            assertEquals(Float.floatToIntBits(EncoderOps.gelu(x[i])), Float.floatToIntBits(g[i]), "gelu vector vs scalar at " + x[i]);
            assertEquals(Float.floatToIntBits(EncoderOps.quickGelu(x[i])), Float.floatToIntBits(q[i]), "quick_gelu vector vs scalar at " + x[i]);
        }
        assertTrue(ge < 1e-6, "gelu error " + ge);
        assertTrue(qe < 1e-6, "quick_gelu error " + qe);
    }

    @Test
    void softmaxAndLayerNormAgainstFloat64() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 37;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 5);
        float[] s = x.clone();
        EncoderOps.softmax(s, 0, n, 0.25f);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : x) max = Math.max(max, v * 0.25);
        for (float v : x) sum += Math.exp(v * 0.25 - max);
        for (int i = 0; i < n; i++) assertEquals(Math.exp(x[i] * 0.25 - max) / sum, s[i], 1e-6);

        float[] w = new float[n], b = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = 1 + 0.1f * i;
            b[i] = -0.01f * i;
        }
        EncoderOps.layerNorm(x, 0, out, 0, n, w, b, 1e-5f);
        double mean = 0, var = 0;
        for (float v : x) mean += v;
        mean /= n;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= n;
        for (int i = 0; i < n; i++) assertEquals((x[i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i], out[i], 1e-5);
    }

    @Test
    void attentionMatchesAFloat64Loop() {
        SplittableRandom r = new SplittableRandom(3);
        for (boolean causal : new boolean[] {false, true}) {
            int tq = 7, tk = causal ? 7 : 13, heads = 3, hd = 10, d = heads * hd;
            float[] q = rnd(r, tq * d), k = rnd(r, tk * d), v = rnd(r, tk * d), out = new float[tq * d];
            MultiHeadAttention.attend(CpuKernels.INSTANCE, q, tq, k, v, tk, heads, causal, out);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tq; i++) {
                    int len = causal ? i + 1 : tk;
                    double[] p = new double[len];
                    double m = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < len; j++) {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) dot += (double) q[i * d + h * hd + c] * k[j * d + h * hd + c];
                        p[j] = dot / Math.sqrt(hd);
                        m = Math.max(m, p[j]);
                    }
                    for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - m);
                    for (int c = 0; c < hd; c++) {
                        double o = 0;
                        for (int j = 0; j < len; j++) o += p[j] / sum * v[j * d + h * hd + c];
                        assertEquals(o, out[i * d + h * hd + c], 1e-5, "causal " + causal + " head " + h + " row " + i);
                    }
                }
            }
        }
    }

    static float[] rnd(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
