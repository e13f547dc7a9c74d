package dev.unimoe.media.audio;

/**
 * Decimation by 2 with a half-band FIR (every other tap zero, centre tap ½). Only used for input
 * rates of at least four times the output rate, where it removes nothing the later stages keep:
 * its pass band must reach only the final pass band (≤ 0.23 of its own Nyquist) and its stop band
 * must start where aliases would fold into it (≥ 0.77).
 */
record HalfBandStage(double[] coefs) implements ResampleStage {

    /** A Kaiser half-band design with {@code att} dB stop-band rejection over [0.77, 1] of Nyquist. */
    static HalfBandStage design(double att) {
        double transition = (0.77 - 0.23) / 2;            // in cycles per sample
        double a = att + 6;                               // margin: Kaiser's length estimate is not exact
        int taps = (int) Math.ceil((a - 7.95) / (14.36 * transition)) + 1;
        int n = (taps + 1 + 3) / 4;                       // non-zero side taps: length 4n - 1
        double beta = .1102 * (a - 8.7);
        double radius = 2 * n - 1 + 1;                    // window reaches zero one tap past the ends
        double[] c = new double[n];
        double i0 = KaiserLowPass.besselI0(beta);
        for (int j = 0; j < n; j++) {
            int k = 2 * j + 1;
            double y = k / radius;
            c[j] = Math.sin(Math.PI * k / 2) / (Math.PI * k) * KaiserLowPass.besselI0(beta * Math.sqrt(1 - y * y)) / i0;
        }
        // Normalise DC gain to exactly 1: ½ + 2·Σc = 1.
        double sum = 0;
        for (double v : c) sum += v;
        for (int j = 0; j < n; j++) c[j] *= .25 / sum;
        return new HalfBandStage(c);
    }

    @Override
    public long inputNeeded(long outLen) {
        return outLen <= 0 ? 0 : 2 * (outLen - 1) + 2L * coefs.length;
    }

    @Override
    public double[] apply(double[] in, int outLen) {
        double[] out = new double[outLen];
        int n = coefs.length, reach = 2 * n - 1, len = in.length;
        for (int i = 0; i < outLen; i++) {
            int c = 2 * i;
            double sum = c < len ? .5 * in[c] : 0;
            if (c - reach >= 0 && c + reach < len) {
                for (int j = 0; j < n; j++) sum += coefs[j] * (in[c - 2 * j - 1] + in[c + 2 * j + 1]);
            } else {
                for (int j = 0; j < n; j++) {
                    int a = c - 2 * j - 1, b = c + 2 * j + 1;
                    double s = (a >= 0 && a < len ? in[a] : 0) + (b >= 0 && b < len ? in[b] : 0);
                    sum += coefs[j] * s;
                }
            }
            out[i] = sum;
        }
        return out;
    }

    @Override
    public String describe() {
        return "half-band ↓2, " + (4 * coefs.length - 1) + " taps";
    }
}
