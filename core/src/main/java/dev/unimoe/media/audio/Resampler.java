package dev.unimoe.media.audio;

import java.util.List;

/**
 * Band-limited sample-rate conversion that reproduces {@code librosa.resample(y, orig_sr, target_sr)}
 * with its default {@code res_type="soxr_hq"}: libsoxr 0.1.3's HQ recipe (pass band to 91.4 % of the
 * output Nyquist, ≥ 126 dB stop band, linear phase), the same stage cascade and filter taps (see
 * {@link SoxrPlan}), evaluated in double precision where libsoxr uses float32; then librosa's length
 * fix, {@code ceil(n · to / from)} samples (zero-padded or trimmed).
 *
 * <p>On the 44.1 kHz stereo fixture the output equals librosa's to float32 round-off (see the tests
 * for the measured difference). Input rates of 4× the output rate and more use our own half-band
 * decimators and match libsoxr less tightly (still far below 16-bit resolution).
 */
public final class Resampler {
    private Resampler() {}

    /** Largest supported rate, input or output. */
    public static final int MAX_RATE = 768_000;

    /**
     * {@code x} at {@code from} Hz, resampled to {@code to} Hz. Returns {@code x} itself when the rates
     * are equal (Uni-MoE only resamples when the rate differs, so no filtering happens then).
     */
    public static float[] resample(float[] x, int from, int to) {
        if (from <= 0 || to <= 0 || from > MAX_RATE || to > MAX_RATE) {
            throw new IllegalArgumentException("sample rates must be in 1.." + MAX_RATE + " Hz, got " + from + " → " + to);
        }
        if (from == to) return x;
        long n = x.length;
        long wanted = (long) Math.ceil(n * ((double) to / from));   // librosa's fix_length target
        long produced = SoxrPlan.outputLength(n, from, to);         // what soxr emits after its flush
        int outLen = (int) Math.min(wanted, produced);
        List<ResampleStage> stages = SoxrPlan.stages(from, to);

        // Work backwards: how many samples each stage must produce for the next one.
        long[] need = new long[stages.size() + 1];
        need[stages.size()] = outLen;
        for (int s = stages.size() - 1; s >= 0; s--) need[s] = stages.get(s).inputNeeded(need[s + 1]);

        double[] signal = new double[x.length];
        for (int i = 0; i < x.length; i++) signal[i] = x[i];
        for (int s = 0; s < stages.size(); s++) {
            if (need[s + 1] > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("signal too long to resample");
            signal = stages.get(s).apply(signal, (int) need[s + 1]);
        }
        float[] y = new float[(int) wanted];
        for (int i = 0; i < outLen; i++) y[i] = (float) signal[i];
        return y;
    }

    /** The stage cascade used for {@code from → to}, one line per stage (diagnostics and tests). */
    public static List<String> describe(int from, int to) {
        if (from == to) return List.of();
        return SoxrPlan.stages(from, to).stream().map(ResampleStage::describe).toList();
    }
}
