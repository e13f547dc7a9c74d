package dev.unimoe.media.audio;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Log-mel features against {@code fixtures/whisper-audio/reference.safetensors} (transformers 5.12.1, NumPy path). */
class LogMelTest {
    static Safetensors ref;
    static WhisperFeatureConfig cfg;
    static LogMel mel;

    @BeforeAll
    static void open() {
        ref = Safetensors.open(Fixtures.path("whisper-audio", "reference.safetensors"));
        cfg = WhisperFeatureConfig.load(Fixtures.path("whisper-audio", "preprocessor_config.json"));
        mel = new LogMel(cfg);
    }

    @AfterAll
    static void close() {
        ref.close();
    }

    @Test
    void filterBankIsLibrosaSlaney() {
        float[] want = ref.tensor("mel_filters").toFloatArray(); // [201, 80], float64 in transformers, stored as F32
        double[][] got = mel.filters();
        assertEquals(201, got.length);
        assertEquals(80, got[0].length);
        double worst = 0;
        for (int f = 0; f < 201; f++) {
            for (int m = 0; m < 80; m++) {
                double w = want[f * 80 + m], g = got[f][m];
                assertEquals(w, g, 1e-6 * Math.abs(w) + 1e-30, "bin " + f + " mel " + m);
                if (w != 0) worst = Math.max(worst, Math.abs(g - w) / Math.abs(w));
            }
        }
        System.out.printf("mel filters: max relative difference %.3g (float32 storage of the reference)%n", worst);
    }

    @Test
    void jfk() {
        compare("jfk", "jfk.wav", 1, 2e-6);
    }

    @Test
    void twoChunksOfALongFile() {
        compare("en_ignore_all_rules", "en-Wikipedia-Ignore_All_Rules.wav", 2, 2e-6);
    }

    /**
     * 44.1 kHz stereo: channel mean, our soxr_hq resampler, then features. The resampler matches
     * librosa to float32 round-off (≈ 2e-7), which moves a log-mel value by at most ~1e-5 where the
     * power is small; the README's "another good resampler" bound is 0.031. We require 1e-4.
     */
    @Test
    void resampledStereo() {
        compare("jfk_44k1_stereo", "jfk_44k1_stereo.wav", 1, 1e-4);
    }

    private static void compare(String name, String file, int chunks, double tol) {
        Path wav = Fixtures.path("whisper-audio", "audio", file);
        List<float[]> features = AudioFeatures.load(wav, cfg, WavReader.DEFAULT_MAX_SECONDS);
        assertEquals(chunks, features.size(), name + " chunks");
        for (int c = 0; c < chunks; c++) {
            float[] want = ref.tensor(name + ".chunk" + c + ".input_features").toFloatArray();
            float[] got = features.get(c);
            assertEquals(80 * 3000, want.length);
            assertEquals(want.length, got.length);
            double max = 0, sum = 0;
            int at = 0;
            for (int i = 0; i < want.length; i++) {
                double d = Math.abs(got[i] - want[i]);
                sum += d;
                if (d > max) { max = d; at = i; }
            }
            System.out.printf("%s chunk %d input_features: max |diff| %.3g (mel %d frame %d), mean %.3g%n",
                    name, c, max, at / 3000, at % 3000, sum / want.length);
            assertTrue(max <= tol, name + " chunk " + c + ": max |diff| " + max + " at mel " + at / 3000 + " frame " + at % 3000);
        }
    }

    @Test
    void silenceIsMinusOneAndAHalf() {
        float[] f = mel.features(new float[16000]);
        for (float v : f) assertEquals(-1.5f, v);
        float[] empty = mel.features(new float[0]); // the extractor pads to 30 s anyway
        for (float v : empty) assertEquals(-1.5f, v);
    }

    @Test
    void rangeIsClampedToEightDecadesBelowThePeak() {
        float[] x = ResamplerTest.tone(16000, 1000, 0.5, 480000);
        float[] f = mel.features(x);
        float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY;
        for (float v : f) { max = Math.max(max, v); min = Math.min(min, v); }
        assertEquals(max - 2.0f, min, 1e-6f); // (x+4)/4 maps a range of 8 to 2
    }

    @Test
    void timeOfOneChunk() {
        float[] x = ResamplerTest.tone(16000, 440, 0.3, 480000);
        for (int i = 0; i < 3; i++) mel.features(x); // warm up the JIT
        long t0 = System.nanoTime();
        int runs = 5;
        for (int i = 0; i < runs; i++) mel.features(x);
        double ms = (System.nanoTime() - t0) / 1e6 / runs;
        System.out.printf("log-mel of one 30 s chunk (3000 frames, 80 mels): %.1f ms%n", ms);
    }
}
