package dev.unimoe.media.audio;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Json;
import dev.unimoe.formats.JsonFields;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code preprocessor_config.json} → {@link WhisperFeatureConfig}, and refusal of configs we cannot honour. */
class LogMelConfigTest {

    static WhisperFeatureConfig parse(String json) {
        return WhisperFeatureConfig.fromJson(new JsonFields(Json.parseObject(json, "pp.json"), "pp.json"));
    }

    static FormatException refused(String json) {
        return assertThrows(FormatException.class, () -> parse(json));
    }

    @Test
    void fixtureConfigIsWhisper() {
        assertEquals(WhisperFeatureConfig.WHISPER, WhisperFeatureConfig.load(Fixtures.path("whisper-audio", "preprocessor_config.json")));
    }

    @Test
    void missingFieldsTakeTransformersDefaults() {
        assertEquals(WhisperFeatureConfig.WHISPER, parse("{}"));
        WhisperFeatureConfig v3 = parse("{\"feature_size\": 128}"); // whisper-large-v3
        assertEquals(128, v3.featureSize());
        assertEquals(128 * 3000, new LogMel(v3).features(new float[100]).length);
    }

    @Test
    void absurdOrInconsistentValuesAreRefusedByField() {
        assertEquals("n_fft", refused("{\"n_fft\": 401}").field());
        assertEquals("n_fft", refused("{\"n_fft\": 0}").field());
        assertEquals("hop_length", refused("{\"hop_length\": 0}").field());
        assertEquals("feature_size", refused("{\"feature_size\": 100000}").field());
        assertEquals("sampling_rate", refused("{\"sampling_rate\": -16000}").field());
        assertEquals("n_samples", refused("{\"n_samples\": 160000}").field());
        assertEquals("nb_max_frames", refused("{\"nb_max_frames\": 1500}").field());
        assertEquals("dither", refused("{\"dither\": 1e-5}").field());
        assertEquals("padding_value", refused("{\"padding_value\": 1.0}").field());
        assertEquals("feature_extractor_type", refused("{\"feature_extractor_type\": \"ASTFeatureExtractor\"}").field());
        assertEquals("sampling_rate", refused("{\"sampling_rate\": \"16k\"}").field());
        FormatException e = refused("{\"hop_length\": 170}");
        assertTrue(e.getMessage().startsWith("pp.json: nb_max_frames: expected n_samples / hop_length"), e.getMessage());
    }
}
