package dev.unimoe.media.audio;

import dev.unimoe.kernels.Parallel;

/**
 * Whisper's log-mel features of one chunk, exactly as transformers' {@code WhisperFeatureExtractor}
 * (NumPy path) computes them:
 * <ol>
 *   <li>float32 samples zero-padded (or truncated) to {@code n_samples};</li>
 *   <li>reflect-padded by {@code n_fft/2} on both sides (mirror without repeating the edge);</li>
 *   <li>frames of {@code n_fft} at {@code hop_length}, periodic Hann window, real FFT in float64,
 *       the bins rounded to complex64, power {@code |X|²} in float64;</li>
 *   <li>Slaney mel bank, {@code max(1e-10, ·)}, {@code log10}, rounded to float32;</li>
 *   <li>the last frame dropped, {@code x = max(x, max(x) − 8)}, {@code (x + 4) / 4} (float32).</li>
 * </ol>
 * Frames are spread over the engine's worker threads. Instances are immutable and thread-safe.
 */
public final class LogMel {
    private final WhisperFeatureConfig cfg;
    private final double[] window;
    /** Per mel band: first FFT bin with non-zero weight, and the weights from there. */
    private final int[] firstBin;
    private final double[][] weights;
    private final double[][] filters;

    public LogMel(WhisperFeatureConfig cfg) {
        this.cfg = cfg;
        int nFft = cfg.nFft(), bins = nFft / 2 + 1, mels = cfg.featureSize();
        window = new double[nFft];
        for (int i = 0; i < nFft; i++) { // numpy.hanning(n_fft + 1)[:-1]: 0.5 + 0.5·cos(π·k/n_fft), k = 2i − n_fft
            window[i] = 0.5 + 0.5 * Math.cos(Math.PI * (2 * i - nFft) / nFft);
        }
        filters = MelFilterBank.slaney(bins, mels, 0.0, cfg.samplingRate() / 2.0, cfg.samplingRate());
        firstBin = new int[mels];
        weights = new double[mels][];
        for (int m = 0; m < mels; m++) {
            int lo = 0, hi = bins - 1;
            while (lo < bins && filters[lo][m] == 0) lo++;
            while (hi >= lo && filters[hi][m] == 0) hi--;
            firstBin[m] = Math.min(lo, bins - 1);
            weights[m] = new double[Math.max(0, hi - lo + 1)];
            for (int f = lo; f <= hi; f++) weights[m][f - lo] = filters[f][m];
        }
    }

    /** The mel filter bank {@code [n_fft/2 + 1][feature_size]} (a copy). */
    public double[][] filters() {
        double[][] c = new double[filters.length][];
        for (int i = 0; i < filters.length; i++) c[i] = filters[i].clone();
        return c;
    }

    /**
     * Features of one chunk, {@code [feature_size × nb_max_frames]} row-major (mel band major).
     * Silent input gives −1.5 everywhere (log10(1e-10) = −10, clamped to max − 8 = −10, (−10 + 4)/4).
     */
    public float[] features(float[] chunk) {
        int nFft = cfg.nFft(), nSamples = cfg.nSamples(), pad = nFft / 2;
        int frames = cfg.nbMaxFrames(), mels = cfg.featureSize();

        // Zero-pad/truncate to n_samples, then reflect-pad.
        double[] x = new double[nSamples + 2 * pad];
        int n = Math.min(chunk.length, nSamples);
        for (int i = 0; i < n; i++) x[pad + i] = chunk[i];
        for (int i = 0; i < pad; i++) {
            x[pad - 1 - i] = x[pad + 1 + i];
            x[pad + nSamples + i] = x[pad + nSamples - 2 - i];
        }

        float[] out = new float[mels * frames];
        // Frame `frames` (the one past the end) is dropped by the extractor, so it is never computed.
        Parallel.forChunks(frames, 250, (from, to) -> logMelFrames(x, from, to, out));
        float max = Float.NEGATIVE_INFINITY;
        for (float v : out) max = Math.max(max, v);
        float floor = max - 8.0f;
        for (int i = 0; i < out.length; i++) out[i] = (Math.max(out[i], floor) + 4.0f) / 4.0f;
        return out;
    }

    /** log10 mel power (float32) of frames [from, to) into out[m·frames + t]. */
    private void logMelFrames(double[] x, int from, int to, float[] out) {
        int nFft = cfg.nFft(), hop = cfg.hopLength(), frames = cfg.nbMaxFrames(), mels = cfg.featureSize();
        int bins = nFft / 2 + 1;
        RealFft fft = new RealFft(nFft);
        double[] frame = new double[nFft], re = new double[bins], im = new double[bins], power = new double[bins];
        for (int t = from; t < to; t++) {
            int off = t * hop;
            for (int i = 0; i < nFft; i++) frame[i] = x[off + i] * window[i];
            fft.forward(frame, 0, re, im);
            for (int f = 0; f < bins; f++) {
                double r = (float) re[f], q = (float) im[f]; // numpy stores the rfft as complex64
                power[f] = r * r + q * q;
            }
            for (int m = 0; m < mels; m++) {
                double[] w = weights[m];
                int b = firstBin[m];
                double s = 0;
                for (int k = 0; k < w.length; k++) s += w[k] * power[b + k];
                out[m * frames + t] = (float) Math.log10(Math.max(1e-10, s));
            }
        }
    }
}
