package dev.unimoe.media.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * The cascade of filter stages libsoxr 0.1.3 uses for its "HQ" recipe (20-bit precision, linear
 * phase, small roll-off; what {@code librosa.resample(res_type="soxr_hq")} asks for), planned by the
 * same decisions as libsoxr's {@code _soxr_init}: how many halvings, whether a pre-filter at the input
 * rate, the rational polyphase factor L/M (or an irrational step when L would exceed 2048), the
 * attenuation budget split over the stages, and each filter's pass/stop edges.
 *
 * <p>Two deliberate differences, both far below the 16-bit noise floor: the half-band decimators
 * (input rates of at least 4× the output rate) are Kaiser designs of ours rather than libsoxr's
 * tabulated coefficients, and an irrational polyphase step evaluates the prototype filter exactly
 * instead of interpolating a coefficient table.
 */
final class SoxrPlan {
    private static final double MULT32 = 65536. * 65536.;
    /** libsoxr's HQ recipe: 20 bits. */
    private static final double BITS = 20;

    private SoxrPlan() {}

    /** The stages that turn {@code inRate} into {@code outRate}, in order. */
    static List<ResampleStage> stages(double inRate, double outRate) {
        double ioRatio = inRate / outRate;
        double rej = BITS * KaiserLowPass.linearToDb(2.);
        double fp0 = 1 - .05 / KaiserLowPass.to3dB(rej); // passband end, 0.9137 of the output Nyquist
        double fs0 = 1;                                   // stop-band begin

        double arbM = ioRatio, fp1 = fp0, fs1 = fs0;
        double att = (BITS + 1) * KaiserLowPass.linearToDb(2.), attArb = att; // +1: pass + stop ripple
        int preL = 1, preM = 1, shr = 0, arbL = 1, postL = 1, postM = 1;
        boolean upsample = false, rational = false;
        int mode = ((int) Math.ceil(BITS) - 6) / 4; // 3 for 20 bits
        int maxL = 2048;

        // Determine stages; libsoxr's `while (!n++)` loop, re-run once when an integer post-upsampler is split off.
        int n = 0;
        while (n++ == 0) {
            double d, epsilon = 0, frac;
            upsample = arbM < 1;
            int i;
            for (i = (int) (.5 * arbM), shr = 0; (i >>= 1) != 0; arbM *= .5, ++shr) { }
            preM = (upsample || (arbM > 1.5 && arbM < 2)) ? 1 : 0;
            postM = 1 + (arbM > 1 && preM != 0 ? 1 : 0);
            arbM /= postM;
            preL = 1 + (preM == 0 && arbM < 2 ? 1 : 0) + (upsample ? 1 : 0);
            arbM *= preL;
            if ((frac = arbM - (int) arbM) != 0) {
                epsilon = Math.abs(Math.floor(frac * MULT32 + .5) / (frac * MULT32) - 1);
            }
            for (i = 1, rational = frac == 0; i <= maxL && !rational; ++i) {
                d = frac * i;
                int tryI = (int) (d + .5);
                if (rational = Math.abs(tryI / d - 1) <= epsilon) {
                    if (tryI == i) {
                        arbM = Math.ceil(arbM);
                        int x = arbM > 3 ? 1 : 0;
                        shr += x;
                        arbM /= 1 + x;
                    } else {
                        arbM = i * (int) arbM + tryI;
                        arbL = i;
                    }
                }
            }
            int l = preL * arbL, m = (int) (arbM * postM), x = (l | m) & 1;
            if (x == 0) { l >>= 1; m >>= 1; }
            if (postL == 1 && (d = preL * arbL / arbM) > 4 && d != 5) {
                for (postL = 4, i = (int) (d / 16); (i >>= 1) != 0 && postL < 256; postL <<= 1) { }
                arbM = arbM * postL / arbL / preL;
                arbL = 1;
                n = 0;
            } else if (rational && (Math.max(l, m) < 5 || l * m < 6)) {
                preL = l;
                preM = m;
                arbM = arbL = postM = 1;
            }
        }

        boolean havePre = preM * preL != 1, haveArb = arbM * arbL != 1, havePost = postM * postL != 1;
        int numStages = shr + (havePre ? 1 : 0) + (haveArb ? 1 : 0) + (havePost ? 1 : 0);
        double alpha = postM / (ioRatio * postL);
        int budget = numStages;
        if (budget > 1) { // attenuation budget: the stages' stop-band leaks add up
            if (haveArb) {
                att += KaiserLowPass.linearToDb(2.);
                attArb = att;
                --budget;
            }
            att += KaiserLowPass.linearToDb(budget);
        }

        List<ResampleStage> stages = new ArrayList<>();
        for (int i = 0; i < shr; i++) stages.add(HalfBandStage.design(att));

        if (havePre) {
            double fn1 = preM != 0 ? Math.max(preL, preM) : arbM / arbL;
            stages.add(FirStage.design(fp1, fs1, fn1, att, preL, Math.max(preM, 1)));
            fp1 /= fn1;
            fs1 /= fn1;
        }

        if (haveArb) stages.add(arbStage(fp1, fs1, attArb, arbM, arbL, upsample, preM != 0, rational, mode));

        if (havePost) {
            stages.add(FirStage.design(fp0 / (upsample ? alpha : 1), upsample ? Math.max(2 - fs0 / alpha, 1) : fs0,
                    Math.max(postL, postM), att, postL, postM));
        }
        return stages;
    }

    /** Number of output samples libsoxr delivers for {@code n} input samples (its flush rounds to nearest). */
    static long outputLength(long n, double inRate, double outRate) {
        return (long) ((double) n / (inRate / outRate) + .5);
    }

    /** The arbitrary-ratio polyphase stage (libsoxr's "higher quality arb stage"). */
    private static ResampleStage arbStage(double fp1, double fs1, double attArb, double arbM, int arbL,
                                          boolean upsample, boolean preM, boolean rational, int mode) {
        // libsoxr's poly_firs table, SIMD variant: the coefficient-interpolation "phase bits" scalars
        // of orders 1 and 2 (or 2 and 3) for each (upsample, pre-decimation, mode) row.
        float[][] polyScalars = {
            {7.2f, 5.0f}, {9.4f, 6.7f}, {12.4f, 7.8f}, {13.6f, 9.3f}, {10.5f, 8.4f}, {11.85f, 9.0f},
            {8.0f, 5.3f}, {8.6f, 5.7f}, {10.6f, 6.75f}, {12.6f, 8.6f}, {9.6f, 7.6f}, {11.4f, 8.65f},
            {0f, 0f}, {8f, 6f}, {9f, 6f}, {11f, 7f}, {13f, 8f}, {10f, 8f}, {12f, 9f},
        };
        double rolloffSmall = -.01f; // dB at the pass-band edge; libsoxr keeps it as a float
        int row = 6 * ((upsample ? 1 : 0) + (preM ? 1 : 0)) + mode - (upsample ? 0 : 1);
        double fp = fp1, fs, fn, mult = upsample ? 1 : arbM / arbL;
        if (!upsample && preM) {
            fn = 2 * mult;
            fs = 3 + Math.abs(fs1 - 1);
        } else {
            fn = 1;
            fs = 2 - (mode != 0 ? fp1 + (fs1 - fp1) * .7 : fs1);
        }
        if (mode != 0) fp = fs - (fs - fp) / (1 - KaiserLowPass.inverseFreqResponse(rolloffSmall, attArb));

        int i = (rational ? 0 : 1) - 1, numCoefs, phases;
        long coefsSize;
        do {
            ++i;
            if (i != 0) {
                arbM /= arbL;
                arbL = 1;
                rational = false;
            }
            int phaseBits = (int) Math.ceil((i == 0 ? 0 : polyScalars[row][i - 1]) - Math.log(mult) / Math.log(2.));
            phases = !rational ? 1 << phaseBits : arbL;
            int phases0 = Math.max(phases, 19);
            numCoefs = KaiserLowPass.design(fp, fs, fn, attArb, 0, phases0).numTaps() / phases0 + 1;
            if (!preM) numCoefs += numCoefs & 1;
            if ((numCoefs & 1) != 0 && rational && (arbL & 1) != 0) {
                phases <<= 1;
                arbL <<= 1;
                arbM *= 2;
            }
            int numCoefs4 = (numCoefs + 3) & ~3;
            coefsSize = (long) numCoefs4 * phases * (i + 1) * 4;
        } while (i < 2 && coefsSize / 1000 > 400);

        KaiserLowPass filter = KaiserLowPass.design(fp, fs, fn, attArb, numCoefs * phases - 1, phases);
        if (rational) return PolyphaseStage.rational(filter, arbL, (long) arbM);
        return PolyphaseStage.irrational(filter, phases, (long) (arbM * MULT32 + .5));
    }
}
