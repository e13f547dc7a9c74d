package dev.unimoe.media.audio;

/**
 * A linear-phase Kaiser-windowed sinc low-pass filter, designed the way libsoxr 0.1.3 designs its
 * resampling filters (its {@code lsx_design_lpf}/{@code lsx_make_lpf}): the same parameter estimates
 * (Kaiser β from the attenuation and transition width, length from β), the same rounding of the
 * length, the same window radius. Reproducing these decisions exactly is what lets {@link Resampler}
 * give librosa's {@code soxr_hq} samples to float32 round-off instead of "another good resampler".
 *
 * @param numTaps taps of the sampled filter (odd for single-phase designs)
 * @param fc      cut-off (−6 dB point) relative to the Nyquist frequency of the (up-sampled) rate
 * @param beta    Kaiser window β
 * @param rho     window radius beyond the last tap, in taps
 * @param scale   gain (the number of phases of a polyphase filter)
 */
record KaiserLowPass(int numTaps, double fc, double beta, double rho, double scale) {

    /**
     * Designs a filter passing up to {@code fp}, stopping from {@code fs}, with {@code att} dB of
     * stop-band attenuation; frequencies relative to {@code fn} (the Nyquist frequency, 1 = this rate).
     *
     * @param numTaps 0 to estimate the length, else that length
     * @param k       &gt;0: number of phases of a polyphase filter; &lt;0: length ≡ 1 (mod −k)
     */
    static KaiserLowPass design(double fp, double fs, double fn, double att, int numTaps, int k) {
        int phases = Math.max(k, 1), modulo = Math.max(-k, 1);
        double rho = phases == 1 ? .5 : att < 120 ? .63 : .75;
        fp /= Math.abs(fn);
        fs /= Math.abs(fn);
        double trBw = .5 * (fs - fp); // transition band between the −6 dB and stop points
        trBw /= phases;
        fs /= phases;
        trBw = Math.min(trBw, .5 * fs);
        double fc = fs - trBw;
        double beta = kaiserBeta(att, trBw * .5 / fc);
        int n = numTaps;
        if (n == 0) {
            double a = att < 60 ? (att - 7.95) / (2.285 * Math.PI * 2)
                    : ((.0007528358 - 1.577737e-05 * beta) * beta + .6248022) * beta + .06186902;
            n = (int) Math.ceil(a / trBw + 1);
            n = phases > 1 ? n / phases * phases + phases - 1 : (n + modulo - 2) / modulo * modulo + 1;
        }
        return new KaiserLowPass(n, fc, beta, rho, phases);
    }

    /** The sampled taps, symmetric about {@code (numTaps - 1) / 2}. */
    double[] taps() {
        int m = numTaps - 1;
        double[] h = new double[numTaps];
        for (int i = 0; i <= m / 2; ++i) {
            h[i] = value(i - .5 * m);
            h[m - i] = h[i];
        }
        return h;
    }

    /** The filter at {@code z} taps from its centre (any real z; 0 beyond the window). */
    double value(double z) {
        double m = numTaps - 1;
        double y = z / (.5 * m + rho);
        if (Math.abs(y) >= 1) return 0;
        double x = z * Math.PI;
        double s = x != 0 ? Math.sin(fc * x) / x : fc;
        return s * besselI0(beta * Math.sqrt(1 - y * y)) * (scale / besselI0(beta));
    }

    /** Kaiser β for {@code att} dB, fitted per transition width (libsoxr's table; the classic formula below 60 dB). */
    static double kaiserBeta(double att, double trBw) {
        if (att >= 60) {
            double[][] coefs = {
                {-6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + .001},
                {-6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + .002},
                {-1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + .003},
                {-3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + .006},
                {8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + .015},
                {9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + .025},
                {-5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + .05},
                {-9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + .085},
                {1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + .1},
                {-1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + .18},
            };
            double realm = Math.log(trBw / .0005) / Math.log(2.);
            double[] c0 = coefs[Math.clamp((int) realm, 0, coefs.length - 1)];
            double[] c1 = coefs[Math.clamp(1 + (int) realm, 0, coefs.length - 1)];
            double b0 = ((c0[0] * att + c0[1]) * att + c0[2]) * att + c0[3];
            double b1 = ((c1[0] * att + c1[1]) * att + c1[2]) * att + c1[3];
            return b0 + (b1 - b0) * (realm - (int) realm);
        }
        if (att > 50) return .1102 * (att - 8.7);
        if (att > 20.96) return .58417 * Math.pow(att - 20.96, .4) + .07886 * (att - 20.96);
        return 0;
    }

    /** Modified Bessel function I₀ by its power series (converges to full precision for the β used here). */
    static double besselI0(double x) {
        double q = x * x / 4, term = 1, sum = 1;
        for (int k = 1; k < 500 && term > sum * 1e-17; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    static double linearToDb(double x) {
        return Math.log10(x) * 20;
    }

    /** libsoxr's approximate magnitude response (dB) at normalised frequency {@code t} of a filter with {@code a} dB rejection. */
    static double freqResponse(double t, double a) {
        double x;
        if (t > (a <= 160 ? .8 : .82)) {
            double a1 = a + 15;
            double p = .00035 * a + .375;
            double w = 1 / (1 - .597) * Math.asin(Math.pow((a1 - 10.6) / a1, 1 / p));
            double c = 1 + Math.asin(Math.pow(1 - a / a1, 1 / p)) / w;
            return a1 * (Math.pow(Math.sin((c - t) * w), p) - 1);
        }
        if (t > .5) {
            x = sinePsi(a);
            x = Math.pow(Math.sin((1 - t) * x), sinePow(x));
        } else {
            x = sinePhi(a);
            x = 1 - Math.pow(Math.sin(t * x), sinePow(x));
        }
        return linearToDb(x);
    }

    /** Inverse of {@link #freqResponse} for a drop of {@code drop} dB (negative). */
    static double inverseFreqResponse(double drop, double a) {
        double x = sinePhi(a);
        drop = Math.exp(drop * (Math.log(10) * 0.05));
        double s = drop > .5 ? 1 - drop : drop;
        x = Math.asin(Math.pow(s, 1 / sinePow(x))) / x;
        return drop > .5 ? x : 1 - x;
    }

    /** Normalised frequency of the −3 dB point of a filter with {@code a} dB rejection. */
    static double to3dB(double a) {
        return 1 - inverseFreqResponse(-3., a);
    }

    private static double sinePhi(double x) {
        return ((2.0517e-07 * x - 1.1303e-04) * x + .023154) * x + .55924;
    }

    private static double sinePsi(double x) {
        return ((9.0667e-08 * x - 5.6114e-05) * x + .013658) * x + 1.0977;
    }

    private static double sinePow(double x) {
        return Math.log(.5) / Math.log(Math.sin(x * .5));
    }
}
