package dev.unimoe.media.audio;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole audio path of Uni-MoE from a file to Whisper input features: read (mono float32),
 * resample to the feature rate if it differs, split into 30-second chunks, log-mel per chunk.
 */
public final class AudioFeatures {
    private AudioFeatures() {}

    /**
     * Features of every chunk of {@code wav}, each {@code [feature_size × nb_max_frames]} row-major.
     *
     * @param maxSeconds longest accepted input (checked from the WAV header before decoding)
     */
    public static List<float[]> load(Path wav, WhisperFeatureConfig cfg, double maxSeconds) {
        return of(WavReader.read(wav, maxSeconds), cfg);
    }

    /** Features of every chunk of an already decoded clip. */
    public static List<float[]> of(AudioClip clip, WhisperFeatureConfig cfg) {
        float[] samples = Resampler.resample(clip.samples(), clip.sampleRate(), cfg.samplingRate());
        LogMel mel = new LogMel(cfg);
        return AudioChunks.split(samples, cfg.nSamples()).stream().map(mel::features).toList();
    }
}
