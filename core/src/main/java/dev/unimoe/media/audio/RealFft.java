package dev.unimoe.media.audio;

/**
 * {@code numpy.fft.rfft} for one even length N, in double precision: the N/2 + 1 bins of the DFT of a
 * real signal, computed with one complex FFT of length N/2 (even samples as real parts, odd samples
 * as imaginary parts) and the usual split. Not thread-safe: each thread uses its own instance.
 */
final class RealFft {
    private final int n, half;
    private final Fft fft;
    private final double[] zr, zi;
    private final double[][] scratch;
    /** e^(−2πik/N), k = 0..N/2. */
    private final double[] cos, sin;

    RealFft(int n) {
        if (n < 2 || n % 2 != 0) throw new IllegalArgumentException("real FFT length must be even: " + n);
        this.n = n;
        this.half = n / 2;
        this.fft = new Fft(half);
        zr = new double[half];
        zi = new double[half];
        scratch = fft.newScratch();
        cos = new double[half + 1];
        sin = new double[half + 1];
        for (int k = 0; k <= half; k++) {
            cos[k] = Math.cos(2 * Math.PI * k / n);
            sin[k] = -Math.sin(2 * Math.PI * k / n);
        }
    }

    int size() {
        return n;
    }

    /** Bins 0..N/2 of the DFT of {@code x[off .. off+N)} into {@code re}/{@code im} (length ≥ N/2 + 1). */
    void forward(double[] x, int off, double[] re, double[] im) {
        for (int j = 0; j < half; j++) {
            zr[j] = x[off + 2 * j];
            zi[j] = x[off + 2 * j + 1];
        }
        fft.transform(zr, zi, scratch, false);
        for (int k = 0; k <= half; k++) {
            int a = k % half, b = (half - k) % half;
            // E = (Z[k] + conj Z[N/2−k]) / 2, O = (Z[k] − conj Z[N/2−k]) / 2i; X = E + w·O
            double er = (zr[a] + zr[b]) * .5, ei = (zi[a] - zi[b]) * .5;
            double or = (zi[a] + zi[b]) * .5, oi = -(zr[a] - zr[b]) * .5;
            double wr = cos[k], wi = sin[k];
            re[k] = er + wr * or - wi * oi;
            im[k] = ei + wr * oi + wi * or;
        }
    }
}
