package dev.unimoe.media.audio;

/**
 * Polyphase interpolation by a rational L/step (output k at input time k·step/L) with a prototype
 * low-pass sampled at L points per input sample; or, when libsoxr would give up on an exact ratio,
 * at an irrational step held in 32.32 fixed point with the prototype evaluated at the exact offset.
 * The filter here is short: an earlier stage has already band-limited the signal, so this one only
 * has to keep the images of the input away from the output band.
 */
final class PolyphaseStage implements ResampleStage {
    private final int phases;
    /** Rational: integer step in 1/L units. Irrational: step in input samples × 2³². */
    private final long step;
    private final boolean rational;
    /** Rational only: table[r][t] = h[r + L·t]; output k, at a = centre + k·step, takes Σ_t table[a mod L][t]·x[a div L − t]. */
    private final double[][] table;
    private final int centre;
    private final int taps;
    /** Irrational only: the prototype at |offset| = i / DENSE input samples, for linear interpolation. */
    private final double[] dense;
    private static final int DENSE = 1 << 14;

    private PolyphaseStage(KaiserLowPass filter, int phases, long step, boolean rational) {
        this.phases = phases;
        this.step = step;
        this.rational = rational;
        this.taps = filter.numTaps();
        this.centre = (taps - 1) / 2;
        if (rational) {
            double[] h = filter.taps();
            int perPhase = (taps + phases - 1) / phases + 1;
            table = new double[phases][perPhase];
            for (int r = 0; r < phases; r++) {
                for (int t = 0; t < perPhase; t++) {
                    int idx = r + phases * t;
                    table[r][t] = idx < taps ? h[idx] : 0;
                }
            }
            dense = null;
        } else {
            table = null;
            int n = (int) Math.ceil((double) centre / phases * DENSE) + 2;
            dense = new double[n];
            for (int i = 0; i < n; i++) dense[i] = filter.value((double) i / DENSE * phases);
        }
    }

    static PolyphaseStage rational(KaiserLowPass filter, int l, long step) {
        return new PolyphaseStage(filter, l, step, true);
    }

    static PolyphaseStage irrational(KaiserLowPass filter, int phases, long stepFixed) {
        return new PolyphaseStage(filter, phases, stepFixed, false);
    }

    /** Taps of the prototype filter. */
    int taps() {
        return taps;
    }

    /** Phases of the prototype filter (L for a rational step). */
    int phases() {
        return phases;
    }

    boolean isRational() {
        return rational;
    }

    @Override
    public long inputNeeded(long outLen) {
        if (outLen <= 0) return 0;
        if (rational) return Math.floorDiv(centre + (outLen - 1) * step, phases) + 1;
        double t = (double) (outLen - 1) * step / 4294967296.0;
        return (long) Math.floor(t + (double) centre / phases) + 2;
    }

    @Override
    public double[] apply(double[] x, int outLen) {
        return rational ? applyRational(x, outLen) : applyIrrational(x, outLen);
    }

    /** y[k] = Σ_j x[j]·h[centre + k·step − L·j]. */
    private double[] applyRational(double[] x, int outLen) {
        double[] y = new double[outLen];
        int perPhase = table[0].length;
        for (int k = 0; k < outLen; k++) {
            long a = centre + k * step;
            int r = (int) (a % phases);
            long j0 = a / phases;             // h[r + L·t] multiplies x[j0 − t]
            double[] row = table[r];
            double s = 0;
            if (j0 - perPhase + 1 >= 0 && j0 < x.length) {
                int base = (int) j0;
                for (int t = 0; t < perPhase; t++) s += row[t] * x[base - t];
            } else {
                for (int t = 0; t < perPhase; t++) {
                    long j = j0 - t;
                    if (j >= 0 && j < x.length) s += row[t] * x[(int) j];
                }
            }
            y[k] = s;
        }
        return y;
    }

    /** y[k] = Σ_j x[j]·h((t_k − j)·phases), t_k = k·step / 2³² input samples, h centred at 0. */
    private double[] applyIrrational(double[] x, int outLen) {
        double[] y = new double[outLen];
        double half = (double) centre / phases;
        for (int k = 0; k < outLen; k++) {
            long whole = k * step;
            long ti = whole >>> 32;
            double t = ti + (whole & 0xFFFFFFFFL) / 4294967296.0;
            long jLo = Math.max(0, (long) Math.ceil(t - half)), jHi = Math.min(x.length - 1L, (long) Math.floor(t + half));
            double s = 0;
            for (long j = jLo; j <= jHi; j++) {
                double pos = Math.abs(t - j) * DENSE;
                int i = (int) pos;
                if (i + 1 >= dense.length) continue;
                double f = pos - i;
                s += x[(int) j] * (dense[i] + f * (dense[i + 1] - dense[i]));
            }
            y[k] = s;
        }
        return y;
    }

    @Override
    public String describe() {
        return rational ? "polyphase ↑" + phases + " ↓" + step + ", " + taps + " taps"
                : "polyphase irrational step " + step / 4294967296.0 + ", " + taps + " taps over " + phases + " phases";
    }
}
