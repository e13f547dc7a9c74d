package dev.unimoe.media.audio;

/**
 * Up-sample by L (zero insertion), filter with a long linear-phase FIR, keep every M-th sample:
 * {@code y[k] = Σ_j x[j]·h[c + M·k − L·j]} with c the centre tap. libsoxr runs these stages as FFT
 * overlap-save convolutions; so do we (in double precision), two real blocks per complex transform.
 *
 * @param h      taps, already multiplied by L so that the pass band has unit gain
 * @param centre index of the centre tap (the filter is symmetric about it)
 */
record FirStage(int l, int m, double[] h, int centre) implements ResampleStage {

    /**
     * libsoxr's "DFT stage" filter: pass band to {@code fp}, stop band from {@code fs}, relative to
     * {@code fn} (the Nyquist frequency of the rate between up- and down-sampling, in units of the
     * narrower of input and output Nyquist), {@code att} dB.
     */
    static FirStage design(double fp, double fs, double fn, double att, int l, int m) {
        boolean powerOf2 = l >= 2 && (l & (l - 1)) == 0;
        int k = powerOf2 && fn == l ? l << 1 : 4; // libsoxr makes the length ≡ 1 (mod k)
        KaiserLowPass f = KaiserLowPass.design(fp, fs, fn, att, 0, -k);
        double[] h = f.taps();
        for (int i = 0; i < h.length; i++) h[i] *= l;
        return new FirStage(l, m, h, f.numTaps() / 2);
    }

    @Override
    public long inputNeeded(long outLen) {
        if (outLen <= 0) return 0;
        return Math.floorDiv(centre + (long) m * (outLen - 1), l) + 1;
    }

    @Override
    public double[] apply(double[] in, int outLen) {
        long work = (long) outLen * m * h.length / l;
        return work < 4_000_000L || h.length < 64 ? direct(in, outLen) : overlapSave(in, outLen);
    }

    private double[] direct(double[] x, int outLen) {
        double[] y = new double[outLen];
        int taps = h.length;
        for (int k = 0; k < outLen; k++) {
            long p = centre + (long) m * k; // index into the up-sampled convolution
            long jHi = Math.min(Math.floorDiv(p, l), x.length - 1L);
            long jLo = Math.max(Math.floorDiv(p - taps + 1 + l - 1, l), 0L);
            double s = 0;
            for (long j = jLo; j <= jHi; j++) s += x[(int) j] * h[(int) (p - l * j)];
            y[k] = s;
        }
        return y;
    }

    /** Convolution c[p] = Σ_i h[i]·u[p−i] on the up-sampled signal u, by blocks; y[k] = c[centre + M·k]. */
    private double[] overlapSave(double[] x, int outLen) {
        int taps = h.length;
        int size = Integer.highestOneBit(taps) << 3;       // ≈ 8–16 × taps: few blocks, cache-friendly
        int step = size - taps + 1;                        // new outputs per block
        Fft fft = new Fft(size);
        double[][] scratch = fft.newScratch();
        double[] hr = new double[size], hi = new double[size];
        for (int i = 0; i < taps; i++) hr[i] = h[i] / size; // fold the inverse's 1/N in
        fft.transform(hr, hi, scratch, false);

        double[] y = new double[outLen];
        long first = centre, last = centre + (long) m * (outLen - 1);
        double[] br = new double[size], bi = new double[size];
        for (long p0 = first; p0 <= last; p0 += 2L * step) {
            long p1 = p0 + step;
            fill(br, x, p0 - taps + 1);                    // block A in the real part
            if (p1 <= last) fill(bi, x, p1 - taps + 1);    // block B in the imaginary part
            else java.util.Arrays.fill(bi, 0);
            fft.transform(br, bi, scratch, false);
            for (int i = 0; i < size; i++) {
                double r = br[i] * hr[i] - bi[i] * hi[i];
                double q = br[i] * hi[i] + bi[i] * hr[i];
                br[i] = r;
                bi[i] = q;
            }
            fft.transform(br, bi, scratch, true);
            take(y, br, p0, step, taps);
            if (p1 <= last) take(y, bi, p1, step, taps);
        }
        return y;
    }

    /** buf[r] = u[start + r], u the zero-inserted, zero-extended up-sampling of x. */
    private void fill(double[] buf, double[] x, long start) {
        java.util.Arrays.fill(buf, 0);
        long jLo = Math.max(Math.floorDiv(start + l - 1, l), 0L);
        long jHi = Math.min(Math.floorDiv(start + buf.length - 1, l), x.length - 1L);
        for (long j = jLo; j <= jHi; j++) buf[(int) (l * j - start)] = x[(int) j];
    }

    /** Block outputs r = taps−1 … size−1 are c[p0 + r − (taps−1)]; keep those at centre + M·k. */
    private void take(double[] y, double[] block, long p0, int step, int taps) {
        long pEnd = p0 + step; // exclusive
        long k = Math.max(0, Math.floorDiv(p0 - centre + m - 1, m));
        for (long p = centre + m * k; p < pEnd && k < y.length; p += m, k++) {
            y[(int) k] = block[(int) (p - p0 + taps - 1)];
        }
    }

    @Override
    public String describe() {
        return "FIR ↑" + l + " ↓" + m + ", " + h.length + " taps";
    }
}
