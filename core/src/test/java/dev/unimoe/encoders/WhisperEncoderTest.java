package dev.unimoe.encoders;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Whisper encoder and Uni-MoE's aligner against {@code whisper-audio/reference.safetensors}. */
class WhisperEncoderTest {
    static final double TOL = 1e-4;
    /** Every (file, chunk count) of the fixture. */
    static final List<String[]> AUDIO = List.of(new String[] {"jfk", "1"}, new String[] {"en_ignore_all_rules", "2"}, new String[] {"jfk_44k1_stereo", "1"});
    static WhisperEncoder encoder;
    static WhisperAligner aligner;
    static References ref;

    @BeforeAll
    static void load() {
        encoder = WhisperEncoder.load(Fixtures.path("whisper-audio"), CpuKernels.INSTANCE);
        aligner = WhisperAligner.loadFromTower(Fixtures.path("whisper-audio"), new Projector.Type(1), CpuKernels.INSTANCE);
        ref = References.open("whisper-audio", "reference.safetensors");
    }

    @AfterAll
    static void close() {
        encoder.close();
        aligner.close();
        ref.close();
    }

    @Test
    void configOfTheFixture() {
        assertEquals(new WhisperConfig(80, 64, 2, 4, 128, 2, 4, 128, 1500, 448, Activation.GELU), encoder.config());
        assertEquals(3000, encoder.config().frames());
        assertEquals(8, aligner.queries());
        assertEquals(128, aligner.hidden());
    }

    @Test
    void encoderStatesOfJfk() {
        WhisperEncoder.Output out = encoder.forwardAll(ref.get("jfk.chunk0.input_features"));
        assertEquals(3, out.hiddenStates().size());
        double worst = 0;
        worst = Math.max(worst, References.check("encoder_hidden_states.0", ref.get("jfk.chunk0.encoder_hidden_states.0"), out.hiddenStates().get(0), TOL));
        worst = Math.max(worst, References.check("encoder_hidden_states.1", ref.get("jfk.chunk0.encoder_hidden_states.1"), out.hiddenStates().get(1), TOL));
        worst = Math.max(worst, References.check("encoder_last_hidden_state", ref.get("jfk.chunk0.encoder_last_hidden_state"), out.lastHiddenState(), TOL));
        System.out.printf("Whisper encoder (jfk states): worst relative error %.3g%n", worst);
    }

    @Test
    void everyChunkThroughEncoderAndAligner() {
        double worstEnc = 0, worstDec = 0, worstOut = 0;
        for (String[] a : AUDIO) {
            int chunks = Integer.parseInt(a[1]);
            float[] embeds = new float[chunks * 8 * 128];
            for (int c = 0; c < chunks; c++) {
                String p = a[0] + ".chunk" + c + ".";
                float[] enc = encoder.forward(ref.get(p + "input_features"));
                worstEnc = Math.max(worstEnc, References.check(p + "encoder_last_hidden_state", ref.get(p + "encoder_last_hidden_state"), enc, TOL));
                WhisperAligner.Output out = aligner.forward(enc);
                for (int i = 0; i < 3; i++) {
                    worstDec = Math.max(worstDec, References.check(p + "decoder_hidden_states." + i, ref.get(p + "decoder_hidden_states." + i), out.decoderHiddenStates().get(i), TOL));
                }
                worstDec = Math.max(worstDec, References.check(p + "decoder_last_hidden_state", ref.get(p + "decoder_last_hidden_state"), out.decoderLastHiddenState(), TOL));
                worstOut = Math.max(worstOut, References.check(p + "aligner_output", ref.get(p + "aligner_output"), out.output(), TOL));
                System.arraycopy(out.output(), 0, embeds, c * 8 * 128, 8 * 128);
            }
            worstOut = Math.max(worstOut, References.check(a[0] + ".audio_embeds", ref.get(a[0] + ".audio_embeds"), embeds, TOL));
        }
        System.out.printf("Whisper: worst relative error encoder %.3g, decoder states %.3g, aligner output/audio_embeds %.3g%n", worstEnc, worstDec, worstOut);
    }

    @Test
    void audioEmbedsConcatenatesChunks() {
        List<float[]> feats = List.of(ref.get("en_ignore_all_rules.chunk0.input_features"), ref.get("en_ignore_all_rules.chunk1.input_features"));
        References.check("audio_embeds", ref.get("en_ignore_all_rules.audio_embeds"), aligner.audioEmbeds(encoder, feats), TOL);
    }

    @Test
    void wrongInputSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.forward(new float[80 * 2999]));
        assertTrue(e.getMessage().contains("[80, 3000]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> aligner.align(new float[1499 * 64]));
        assertTrue(e.getMessage().contains("[1500, 64]"), e.getMessage());
    }

    @Test
    void missingTowerFolderAndExtrasAreNamed(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("whisper-small");
        FormatException e = assertThrows(FormatException.class, () -> WhisperEncoder.load(missing, CpuKernels.INSTANCE));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not found"), e.getMessage());
        // A tower folder without aligner.safetensors: the aligner says which file it wanted.
        Path src = Fixtures.path("whisper-audio");
        Files.createDirectories(missing);
        Files.copy(src.resolve("config.json"), missing.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), missing.resolve("model.safetensors"));
        e = assertThrows(FormatException.class, () -> WhisperAligner.loadFromTower(missing, new Projector.Type(1), CpuKernels.INSTANCE));
        assertTrue(e.getMessage().contains("aligner.safetensors"), e.getMessage());
        try (WhisperEncoder enc = WhisperEncoder.load(missing, CpuKernels.INSTANCE)) {
            assertEquals(64, enc.config().dModel());
        }
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path dir) throws Exception {
        Path src = Fixtures.path("whisper-audio");
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"encoder_ffn_dim\": 128", "\"encoder_ffn_dim\": 96"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        FormatException e = assertThrows(FormatException.class, () -> WhisperEncoder.load(dir, CpuKernels.INSTANCE));
        assertTrue(e.getMessage().contains("model.encoder.layers.0.fc1.weight") && e.getMessage().contains("[96, 64]") && e.getMessage().contains("[128, 64]"), e.getMessage());
    }
}
