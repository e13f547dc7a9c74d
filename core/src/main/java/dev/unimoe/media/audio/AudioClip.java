package dev.unimoe.media.audio;

import java.util.List;

/**
 * Decoded audio, down-mixed to mono the way Uni-MoE does it ({@code soundfile.read(dtype="float32")}
 * then {@code librosa.to_mono}: the float32 mean of the channels).
 *
 * @param samples    mono samples, nominally in [−1, 1)
 * @param sampleRate samples per second
 * @param channels   channels in the file (before the down-mix)
 * @param source     the file name, for messages
 * @param warnings   things the reader tolerated (e.g. a data chunk cut short), empty for a clean file
 */
public record AudioClip(float[] samples, int sampleRate, int channels, String source, List<String> warnings) {

    public AudioClip {
        warnings = List.copyOf(warnings);
    }

    public double seconds() {
        return samples.length / (double) sampleRate;
    }
}
