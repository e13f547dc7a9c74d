package dev.unimoe.media.audio;

import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The FFTs under the log-mel features and the resampler, against independent references. */
class LogMelFftTest {

    /** Direct O(N²) DFT in double, angles reduced exactly (k·n mod N) so it is accurate to ~1e-15. */
    static double[][] dft(double[] re, double[] im) {
        int n = re.length;
        double[] or = new double[n], oi = new double[n];
        for (int k = 0; k < n; k++) {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++) {
                double a = -2 * Math.PI * ((long) k * t % n) / n;
                sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
                si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
            }
            or[k] = sr;
            oi[k] = si;
        }
        return new double[][] {or, oi};
    }

    @Test
    void mixedRadixMatchesDirectDft() {
        Random r = new Random(1);
        for (int n : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 20, 25, 49, 77, 100, 121, 200, 210, 256, 400, 1000}) {
            double[] re = new double[n], im = new double[n];
            for (int i = 0; i < n; i++) { re[i] = r.nextGaussian(); im[i] = r.nextGaussian(); }
            double[][] want = dft(re, im);
            Fft fft = new Fft(n);
            double[] xr = re.clone(), xi = im.clone();
            fft.transform(xr, xi, fft.newScratch(), false);
            for (int k = 0; k < n; k++) {
                assertEquals(want[0][k], xr[k], 1e-11 * Math.sqrt(n), "n=" + n + " re[" + k + "]");
                assertEquals(want[1][k], xi[k], 1e-11 * Math.sqrt(n), "n=" + n + " im[" + k + "]");
            }
            fft.transform(xr, xi, fft.newScratch(), true); // inverse (unnormalised) brings the input back × n
            for (int i = 0; i < n; i++) {
                assertEquals(re[i], xr[i] / n, 1e-12 * n, "n=" + n + " round trip");
                assertEquals(im[i], xi[i] / n, 1e-12 * n, "n=" + n + " round trip");
            }
        }
    }

    @Test
    void powerOfTwoMatchesCommonsMath() {
        Random r = new Random(2);
        int n = 4096;
        double[] re = new double[n], im = new double[n];
        for (int i = 0; i < n; i++) { re[i] = r.nextGaussian(); im[i] = r.nextGaussian(); }
        Complex[] want = new FastFourierTransformer(DftNormalization.STANDARD).transform(toComplex(re, im), TransformType.FORWARD);
        Fft fft = new Fft(n);
        fft.transform(re, im, fft.newScratch(), false);
        for (int k = 0; k < n; k++) {
            assertEquals(want[k].getReal(), re[k], 1e-9, "re[" + k + "]");
            assertEquals(want[k].getImaginary(), im[k], 1e-9, "im[" + k + "]");
        }
    }

    static Complex[] toComplex(double[] re, double[] im) {
        Complex[] c = new Complex[re.length];
        for (int i = 0; i < re.length; i++) c[i] = new Complex(re[i], im[i]);
        return c;
    }

    @Test
    void realFftIsNumpyRfft() {
        Random r = new Random(3);
        for (int n : new int[] {2, 4, 10, 400, 512}) {
            double[] x = new double[n + 3];
            for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
            double[] seg = java.util.Arrays.copyOfRange(x, 3, 3 + n);
            double[][] want = dft(seg, new double[n]);
            double[] re = new double[n / 2 + 1], im = new double[n / 2 + 1];
            new RealFft(n).forward(x, 3, re, im);
            for (int k = 0; k <= n / 2; k++) {
                assertEquals(want[0][k], re[k], 1e-11 * Math.sqrt(n), "n=" + n + " re[" + k + "]");
                assertEquals(want[1][k], im[k], 1e-11 * Math.sqrt(n), "n=" + n + " im[" + k + "]");
            }
        }
    }
}
