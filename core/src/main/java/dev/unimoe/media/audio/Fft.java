package dev.unimoe.media.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Forward complex DFT of one fixed length, {@code X[k] = Σ x[n]·e^(−2πikn/N)}, in double precision.
 * Mixed radix (4, 2, 3, 5 with dedicated butterflies, any other prime by a direct DFT), self-sorting Stockham passes in the
 * FFTPACK arrangement, so any length works and lengths like 200 = 4·2·5·5 (Whisper's 400-point real
 * transform) or powers of two (the resampler's convolutions) are fast. Twiddles are precomputed;
 * an instance is immutable and may be shared between threads (callers pass their own buffers).
 */
final class Fft {
    private final int n;
    private final int[] radix;
    /** Per pass: twiddles w^(m·i), m = 1..p−1, i = 0..ido−1, interleaved re/im. */
    private final double[][] twiddle;
    /** Per pass with a generic radix: the p-th roots of unity, interleaved re/im. */
    private final double[][] roots;

    Fft(int n) {
        if (n < 1) throw new IllegalArgumentException("FFT length must be positive: " + n);
        this.n = n;
        List<Integer> f = new ArrayList<>();
        int rest = n;
        while (rest % 4 == 0) { f.add(4); rest /= 4; }
        while (rest % 2 == 0) { f.add(2); rest /= 2; }
        for (int p = 3; rest > 1; p += 2) {
            while (rest % p == 0) { f.add(p); rest /= p; }
            if ((long) p * p > rest && rest > 1) { f.add(rest); rest = 1; }
        }
        radix = f.stream().mapToInt(Integer::intValue).toArray();
        twiddle = new double[radix.length][];
        roots = new double[radix.length][];
        int l1 = 1;
        for (int s = 0; s < radix.length; s++) {
            int p = radix[s], ido = n / (l1 * p);
            double[] w = new double[2 * (p - 1) * ido];
            for (int m = 1; m < p; m++) {
                for (int i = 0; i < ido; i++) {
                    double a = -2 * Math.PI * ((long) m * i % ((long) ido * p)) / ((double) ido * p);
                    w[2 * ((m - 1) * ido + i)] = Math.cos(a);
                    w[2 * ((m - 1) * ido + i) + 1] = Math.sin(a);
                }
            }
            twiddle[s] = w;
            if (p != 2 && p != 3 && p != 4 && p != 5) {
                double[] r = new double[2 * p];
                for (int k = 0; k < p; k++) {
                    r[2 * k] = Math.cos(-2 * Math.PI * k / p);
                    r[2 * k + 1] = Math.sin(-2 * Math.PI * k / p);
                }
                roots[s] = r;
            }
            l1 *= p;
        }
    }

    int size() {
        return n;
    }

    /** Scratch arrays one transform needs: {@code new double[2][n]}. */
    double[][] newScratch() {
        return new double[2][n];
    }

    /**
     * Transforms {@code (re, im)} in place, using {@code scratch} (from {@link #newScratch()}).
     * {@code inverse} computes the unnormalised inverse (e^(+2πikn/N)); divide by N yourself.
     */
    void transform(double[] re, double[] im, double[][] scratch, boolean inverse) {
        double[] ar = re, ai = im, br = scratch[0], bi = scratch[1];
        double sign = inverse ? -1 : 1;
        int l1 = 1;
        for (int s = 0; s < radix.length; s++) {
            int p = radix[s], ido = n / (l1 * p);
            switch (p) {
                case 4 -> pass4(ido, l1, ar, ai, br, bi, twiddle[s], sign);
                case 2 -> pass2(ido, l1, ar, ai, br, bi, twiddle[s], sign);
                case 3 -> pass3(ido, l1, ar, ai, br, bi, twiddle[s], sign);
                case 5 -> pass5(ido, l1, ar, ai, br, bi, twiddle[s], sign);
                default -> passGeneric(p, ido, l1, ar, ai, br, bi, twiddle[s], roots[s], sign);
            }
            double[] t = ar; ar = br; br = t;
            t = ai; ai = bi; bi = t;
            l1 *= p;
        }
        if (ar != re) {
            System.arraycopy(ar, 0, re, 0, n);
            System.arraycopy(ai, 0, im, 0, n);
        }
    }

    // Input element (i, j, k) at i + ido·(j + p·k); output (i, k, m) at i + ido·(k + l1·m).

    private static void pass2(int ido, int l1, double[] xr, double[] xi, double[] yr, double[] yi,
                              double[] w, double sign) {
        for (int k = 0; k < l1; k++) {
            int in = ido * 2 * k, out = ido * k, outStride = ido * l1;
            for (int i = 0; i < ido; i++) {
                double ar = xr[in + i], ai = xi[in + i], br = xr[in + ido + i], bi = xi[in + ido + i];
                yr[out + i] = ar + br;
                yi[out + i] = ai + bi;
                double dr = ar - br, di = ai - bi;
                double wr = w[2 * i], wi = sign * w[2 * i + 1];
                yr[out + outStride + i] = dr * wr - di * wi;
                yi[out + outStride + i] = dr * wi + di * wr;
            }
        }
    }

    private static void pass4(int ido, int l1, double[] xr, double[] xi, double[] yr, double[] yi,
                              double[] w, double sign) {
        int os = ido * l1;
        for (int k = 0; k < l1; k++) {
            int in = ido * 4 * k, out = ido * k;
            for (int i = 0; i < ido; i++) {
                int a = in + i;
                double x0r = xr[a], x0i = xi[a];
                double x1r = xr[a + ido], x1i = xi[a + ido];
                double x2r = xr[a + 2 * ido], x2i = xi[a + 2 * ido];
                double x3r = xr[a + 3 * ido], x3i = xi[a + 3 * ido];
                double t0r = x0r + x2r, t0i = x0i + x2i, t1r = x0r - x2r, t1i = x0i - x2i;
                double t2r = x1r + x3r, t2i = x1i + x3i, t3r = x1r - x3r, t3i = x1i - x3i;
                // −i·sign·t3 (forward: multiply by −i)
                double u3r = sign * t3i, u3i = -sign * t3r;
                double y0r = t0r + t2r, y0i = t0i + t2i;
                double y1r = t1r + u3r, y1i = t1i + u3i;
                double y2r = t0r - t2r, y2i = t0i - t2i;
                double y3r = t1r - u3r, y3i = t1i - u3i;
                int o = out + i;
                yr[o] = y0r;
                yi[o] = y0i;
                double wr = w[2 * i], wi = sign * w[2 * i + 1];
                yr[o + os] = y1r * wr - y1i * wi;
                yi[o + os] = y1r * wi + y1i * wr;
                wr = w[2 * (ido + i)];
                wi = sign * w[2 * (ido + i) + 1];
                yr[o + 2 * os] = y2r * wr - y2i * wi;
                yi[o + 2 * os] = y2r * wi + y2i * wr;
                wr = w[2 * (2 * ido + i)];
                wi = sign * w[2 * (2 * ido + i) + 1];
                yr[o + 3 * os] = y3r * wr - y3i * wi;
                yi[o + 3 * os] = y3r * wi + y3i * wr;
            }
        }
    }

    private static final double S3 = Math.sqrt(3) / 2;

    private static void pass3(int ido, int l1, double[] xr, double[] xi, double[] yr, double[] yi,
                              double[] w, double sign) {
        int os = ido * l1;
        for (int k = 0; k < l1; k++) {
            int in = ido * 3 * k, out = ido * k;
            for (int i = 0; i < ido; i++) {
                int a = in + i;
                double t0r = xr[a], t0i = xi[a];
                double t1r = xr[a + ido], t1i = xi[a + ido], t2r = xr[a + 2 * ido], t2i = xi[a + 2 * ido];
                double sr = t1r + t2r, si = t1i + t2i, dr = t1r - t2r, di = t1i - t2i;
                double rr = t0r - .5 * sr, ri = t0i - .5 * si;
                double ir = S3 * dr, ii = S3 * di;
                int o = out + i;
                yr[o] = t0r + sr;
                yi[o] = t0i + si;
                twiddleStore(yr, yi, o + os, rr + sign * ii, ri - sign * ir, w, i, sign);
                twiddleStore(yr, yi, o + 2 * os, rr - sign * ii, ri + sign * ir, w, ido + i, sign);
            }
        }
    }

    private static final double C51 = Math.cos(2 * Math.PI / 5), C52 = Math.cos(4 * Math.PI / 5);
    private static final double S51 = Math.sin(2 * Math.PI / 5), S52 = Math.sin(4 * Math.PI / 5);

    private static void pass5(int ido, int l1, double[] xr, double[] xi, double[] yr, double[] yi,
                              double[] w, double sign) {
        int os = ido * l1;
        for (int k = 0; k < l1; k++) {
            int in = ido * 5 * k, out = ido * k;
            for (int i = 0; i < ido; i++) {
                int a = in + i;
                double t0r = xr[a], t0i = xi[a];
                double t1r = xr[a + ido], t1i = xi[a + ido], t2r = xr[a + 2 * ido], t2i = xi[a + 2 * ido];
                double t3r = xr[a + 3 * ido], t3i = xi[a + 3 * ido], t4r = xr[a + 4 * ido], t4i = xi[a + 4 * ido];
                double a1r = t1r + t4r, a1i = t1i + t4i, b1r = t1r - t4r, b1i = t1i - t4i;
                double a2r = t2r + t3r, a2i = t2i + t3i, b2r = t2r - t3r, b2i = t2i - t3i;
                double r1r = t0r + C51 * a1r + C52 * a2r, r1i = t0i + C51 * a1i + C52 * a2i;
                double r2r = t0r + C52 * a1r + C51 * a2r, r2i = t0i + C52 * a1i + C51 * a2i;
                double i1r = S51 * b1r + S52 * b2r, i1i = S51 * b1i + S52 * b2i;
                double i2r = S52 * b1r - S51 * b2r, i2i = S52 * b1i - S51 * b2i;
                int o = out + i;
                yr[o] = t0r + a1r + a2r;
                yi[o] = t0i + a1i + a2i;
                twiddleStore(yr, yi, o + os, r1r + sign * i1i, r1i - sign * i1r, w, i, sign);
                twiddleStore(yr, yi, o + 2 * os, r2r + sign * i2i, r2i - sign * i2r, w, ido + i, sign);
                twiddleStore(yr, yi, o + 3 * os, r2r - sign * i2i, r2i + sign * i2r, w, 2 * ido + i, sign);
                twiddleStore(yr, yi, o + 4 * os, r1r - sign * i1i, r1i + sign * i1r, w, 3 * ido + i, sign);
            }
        }
    }

    /** y[o] = (vr + i·vi)·w[t] (conjugated for the inverse). */
    private static void twiddleStore(double[] yr, double[] yi, int o, double vr, double vi, double[] w, int t, double sign) {
        double wr = w[2 * t], wi = sign * w[2 * t + 1];
        yr[o] = vr * wr - vi * wi;
        yi[o] = vr * wi + vi * wr;
    }

    private static void passGeneric(int p, int ido, int l1, double[] xr, double[] xi, double[] yr, double[] yi,
                                    double[] w, double[] root, double sign) {
        double[] tr = new double[p], ti = new double[p];
        int os = ido * l1;
        for (int k = 0; k < l1; k++) {
            int in = ido * p * k, out = ido * k;
            for (int i = 0; i < ido; i++) {
                for (int j = 0; j < p; j++) {
                    tr[j] = xr[in + j * ido + i];
                    ti[j] = xi[in + j * ido + i];
                }
                for (int m = 0; m < p; m++) {
                    double sr = 0, si = 0;
                    for (int j = 0, e = 0; j < p; j++, e = (e + m) % p) {
                        double rr = root[2 * e], ri = sign * root[2 * e + 1];
                        sr += tr[j] * rr - ti[j] * ri;
                        si += tr[j] * ri + ti[j] * rr;
                    }
                    int o = out + m * os + i;
                    if (m == 0) {
                        yr[o] = sr;
                        yi[o] = si;
                    } else {
                        double wr = w[2 * ((m - 1) * ido + i)], wi = sign * w[2 * ((m - 1) * ido + i) + 1];
                        yr[o] = sr * wr - si * wi;
                        yi[o] = sr * wi + si * wr;
                    }
                }
            }
        }
    }
}
