package dev.unimoe.media.audio;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.nio.file.Path;

/**
 * The fields of a {@code WhisperFeatureExtractor} {@code preprocessor_config.json} that shape the
 * log-mel features, validated: the relations transformers assumes ({@code n_samples = chunk_length ·
 * sampling_rate}, {@code nb_max_frames = n_samples / hop_length}) must hold, and values outside sane
 * ranges are refused rather than producing silently wrong features.
 *
 * @param featureSize  mel bands (80 for Whisper ≤ v2, 128 for large-v3)
 * @param samplingRate Hz the features are computed at (16000)
 * @param nFft         window and FFT length (400)
 * @param hopLength    samples between frames (160)
 * @param chunkLength  seconds per chunk (30)
 * @param nSamples     samples per chunk (480000)
 * @param nbMaxFrames  frames per chunk (3000)
 */
public record WhisperFeatureConfig(int featureSize, int samplingRate, int nFft, int hopLength, int chunkLength,
                                   int nSamples, int nbMaxFrames) {

    /** openai/whisper-* (v1/v2) values, also those of {@code fixtures/whisper-audio/preprocessor_config.json}. */
    public static final WhisperFeatureConfig WHISPER = new WhisperFeatureConfig(80, 16000, 400, 160, 30, 480000, 3000);

    public WhisperFeatureConfig {
        validate("WhisperFeatureConfig", featureSize, samplingRate, nFft, hopLength, chunkLength, nSamples, nbMaxFrames);
    }

    private static void validate(String src, long featureSize, long samplingRate, long nFft, long hopLength,
                                 long chunkLength, long nSamples, long nbMaxFrames) {
        check(src, "feature_size", featureSize, 1, 512);
        check(src, "sampling_rate", samplingRate, 1000, 192000);
        check(src, "n_fft", nFft, 16, 16384);
        if (nFft % 2 != 0) throw new FormatException(src, "n_fft", "an even FFT length, found " + nFft);
        check(src, "hop_length", hopLength, 1, nFft);
        check(src, "chunk_length", chunkLength, 1, 600);
        if (chunkLength * samplingRate != nSamples) {
            throw new FormatException(src, "n_samples", "chunk_length × sampling_rate = "
                    + chunkLength * samplingRate + ", found " + nSamples);
        }
        if (nSamples % hopLength != 0 || nSamples / hopLength != nbMaxFrames) {
            throw new FormatException(src, "nb_max_frames", "n_samples / hop_length = "
                    + (double) nSamples / hopLength + ", found " + nbMaxFrames);
        }
        if (nFft / 2 >= nSamples) throw new FormatException(src, "n_fft", "less than 2 × n_samples, found " + nFft);
    }

    /** Reads and validates {@code preprocessor_config.json}. */
    public static WhisperFeatureConfig load(Path file) {
        return fromJson(JsonFields.read(file));
    }

    /** Validates the parsed fields; missing ones take Whisper's defaults (as transformers does). */
    public static WhisperFeatureConfig fromJson(JsonFields j) {
        String src = j.source();
        String type = j.getString("feature_extractor_type", "WhisperFeatureExtractor");
        if (!type.equals("WhisperFeatureExtractor")) {
            throw new FormatException(src, "feature_extractor_type", "\"WhisperFeatureExtractor\", found \"" + type + "\"");
        }
        double dither = j.getDouble("dither", 0.0);
        if (dither != 0.0) {
            throw new FormatException(src, "dither", "0.0 (random dither makes features irreproducible and is not supported), found " + dither);
        }
        double pad = j.getDouble("padding_value", 0.0);
        if (pad != 0.0) throw new FormatException(src, "padding_value", "0.0, found " + pad);
        String side = j.getString("padding_side", "right");
        if (!side.equals("right")) throw new FormatException(src, "padding_side", "\"right\", found \"" + side + "\"");
        int rate = j.getInt("sampling_rate", WHISPER.samplingRate());
        int hop = j.getInt("hop_length", WHISPER.hopLength());
        int chunk = j.getInt("chunk_length", WHISPER.chunkLength());
        long nSamples = j.has("n_samples") ? j.getInt("n_samples") : (long) chunk * rate;
        long frames = j.has("nb_max_frames") ? j.getInt("nb_max_frames") : (hop > 0 ? nSamples / hop : 0);
        int features = j.getInt("feature_size", WHISPER.featureSize()), nFft = j.getInt("n_fft", WHISPER.nFft());
        validate(src, features, rate, nFft, hop, chunk, nSamples, frames);
        return new WhisperFeatureConfig(features, rate, nFft, hop, chunk, (int) nSamples, (int) frames);
    }

    private static void check(String src, String field, long v, long lo, long hi) {
        if (v < lo || v > hi) throw new FormatException(src, field, "a value in " + lo + ".." + hi + ", found " + v);
    }
}
