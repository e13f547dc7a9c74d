package dev.unimoe.media.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Uni-MoE's 30-second chunking ({@code inference_all.py} / {@code eval.py}): while samples remain, a
 * chunk is the next {@code n_samples + 1} samples if more than {@code n_samples} remain, else the
 * rest. The feature extractor then truncates each chunk to {@code n_samples}, so the last sample of
 * every full chunk is dropped: chunk k of a long file covers samples {@code [k·(n+1), k·(n+1) + n)}.
 * A file of n + 2 samples gives two chunks, the second one sample long.
 */
public final class AudioChunks {
    private AudioChunks() {}

    /** Chunks of 16 kHz audio for Whisper (n_samples = 480000). */
    public static List<float[]> split(float[] samples) {
        return split(samples, WhisperFeatureConfig.WHISPER.nSamples());
    }

    /** Chunks of {@code samples} for chunks of {@code nSamples}; refuses empty audio (it would give no chunk). */
    public static List<float[]> split(float[] samples, int nSamples) {
        if (nSamples <= 0) throw new IllegalArgumentException("nSamples must be positive: " + nSamples);
        if (samples.length == 0) throw new IllegalArgumentException("empty audio: there is nothing to split into chunks");
        List<float[]> chunks = new ArrayList<>();
        int at = 0;
        while (at < samples.length) {
            int remaining = samples.length - at;
            int len = remaining > nSamples ? nSamples + 1 : remaining;
            chunks.add(Arrays.copyOfRange(samples, at, at + len));
            at += len;
        }
        return chunks;
    }
}
