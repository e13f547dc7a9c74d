package dev.unimoe.encoders;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Json;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Projectors and the aligner loaded from the Uni-MoE checkpoint's names ({@code unimoe-tiny/}, BF16). */
class ProjectorTest {
    static final double TOL = 1e-4;

    static JsonFields uniMoeConfig() throws Exception {
        Path p = Fixtures.path("unimoe-tiny", "config.json");
        return new JsonFields(Json.parseObject(Files.readString(p), p.toString()), p.toString());
    }

    @Test
    void visionProjectorReproducesTheImageFeatures() throws Exception {
        try (TensorSource ckpt = TensorSource.open(Fixtures.path("unimoe-tiny"));
             References clip = References.open("clip-vision", "reference.safetensors");
             References tiny = References.open("unimoe-tiny", "reference.safetensors")) {
            Projector p = Projector.vision(ckpt, uniMoeConfig(), CpuKernels.INSTANCE);
            assertEquals(new Projector.Type(2), p.type());
            assertEquals("mlp2x_gelu", p.type().configName());
            assertEquals(64, p.in());
            assertEquals(128, p.out());
            float[] features = p.apply(clip.get("chelsea.select_layer_-2_no_cls"), 49);
            double e = References.check("a_image.image_features", tiny.get("a_image.image_features"), features, TOL);
            System.out.printf("mm_projector (mlp2x_gelu, BF16): relative error %.3g%n", e);
        }
    }

    @Test
    void alignerFromUniMoeNamesReproducesTheAudioEmbeds() {
        try (WhisperEncoder enc = WhisperEncoder.load(Fixtures.path("whisper-audio"), CpuKernels.INSTANCE);
             WhisperAligner aligner = WhisperAligner.fromUniMoe(Fixtures.path("unimoe-tiny"), CpuKernels.INSTANCE);
             References audio = References.open("whisper-audio", "reference.safetensors");
             References tiny = References.open("unimoe-tiny", "reference.safetensors")) {
            assertEquals(8, aligner.queries());
            assertEquals(128, aligner.hidden());
            var chunks = java.util.List.of(audio.get("en_ignore_all_rules.chunk0.input_features"), audio.get("en_ignore_all_rules.chunk1.input_features"));
            float[] embeds = aligner.audioEmbeds(enc, chunks);
            double e = References.check("b_audio.audio_embeds", tiny.get("b_audio.audio_embeds"), embeds, TOL);
            System.out.printf("aligner from Uni-MoE names (BF16): relative error %.3g%n", e);
            // The F32 aligner of the tower folder differs by the BF16 rounding (README: ≈ 0.5 %).
            double bf16 = References.relativeError(audio.get("en_ignore_all_rules.audio_embeds"), embeds);
            assertTrue(bf16 > 1e-3 && bf16 < 3e-2, "BF16 vs F32 aligner: " + bf16);
        }
    }

    @Test
    void linearAndIdentityProjectors() {
        float[] w = {1, 2, 3, 4, 5, 6};   // [3, 2]
        float[] b = {0.5f, 0, -1};
        TensorSource src = new MapSource(java.util.Map.of("p.weight", new Object[] {w, new long[] {3, 2}}, "p.bias", new Object[] {b, new long[] {3}}));
        Projector lin = Projector.load(src, "p", Projector.Type.parse("linear", "cfg", "k"), 2, 3, CpuKernels.INSTANCE);
        float[] y = lin.apply(new float[] {1, -1, 2, 0}, 2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {-0.5f, -1, -2, 2.5f, 6, 9}, y);
        Projector id = Projector.load(src, "p", Projector.Type.parse("identity", "cfg", "k"), 2, 2, CpuKernels.INSTANCE);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2}, id.apply(new float[] {1, 2}, 1));
        assertEquals(3, Projector.Type.parse("mlp3x_gelu", "cfg", "k").linears());
    }

    @Test
    void unknownTypeNamesTheKey() throws Exception {
        String cfg = Files.readString(Fixtures.path("unimoe-tiny", "config.json")).replace("\"mlp2x_gelu\"", "\"qformer\"");
        JsonFields c = new JsonFields(Json.parseObject(cfg, "unimoe/config.json"), "unimoe/config.json");
        try (TensorSource ckpt = TensorSource.open(Fixtures.path("unimoe-tiny"))) {
            FormatException e = assertThrows(FormatException.class, () -> Projector.vision(ckpt, c, CpuKernels.INSTANCE));
            assertTrue(e.getMessage().contains("mm_projector_type") && e.getMessage().contains("qformer") && e.getMessage().contains("unimoe/config.json"), e.getMessage());
        }
        String acfg = Files.readString(Fixtures.path("unimoe-tiny", "config.json")).replace("\"audio_projector_type\": \"linear\"", "\"audio_projector_type\": \"conv\"");
        JsonFields ac = new JsonFields(Json.parseObject(acfg, "unimoe/config.json"), "unimoe/config.json");
        try (TensorSource ckpt = TensorSource.open(Fixtures.path("unimoe-tiny"))) {
            FormatException e = assertThrows(FormatException.class, () -> Projector.audio(ckpt, ac, CpuKernels.INSTANCE));
            assertTrue(e.getMessage().contains("audio_projector_type"), e.getMessage());
        }
    }

    @Test
    void wrongFeatureCountIsRejected() {
        try (TensorSource ckpt = TensorSource.open(Fixtures.path("unimoe-tiny"))) {
            Projector p = Projector.vision(ckpt, uniMoeConfig(), CpuKernels.INSTANCE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.apply(new float[49 * 63], 49));
            assertTrue(e.getMessage().contains("[49, 64]"), e.getMessage());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void projectorWithWrongShapeIsNamed() throws Exception {
        String cfg = Files.readString(Fixtures.path("unimoe-tiny", "config.json")).replace("\"mm_hidden_size\": 64", "\"mm_hidden_size\": 1024");
        JsonFields c = new JsonFields(Json.parseObject(cfg, "config.json"), "config.json");
        try (TensorSource ckpt = TensorSource.open(Fixtures.path("unimoe-tiny"))) {
            FormatException e = assertThrows(FormatException.class, () -> Projector.vision(ckpt, c, CpuKernels.INSTANCE));
            assertTrue(e.getMessage().contains("model.mm_projector.0.weight") && e.getMessage().contains("[128, 1024]"), e.getMessage());
        }
    }

    /** In-memory F32 tensors by name. */
    record MapSource(java.util.Map<String, Object[]> tensors) implements TensorSource {
        @Override public String where() { return "memory"; }
        @Override public boolean has(String name) { return tensors.containsKey(name); }
        @Override public long[] shape(String name) { return (long[]) tensors.get(name)[1]; }
        @Override public dev.unimoe.tensor.Tensor tensor(String name) { return dev.unimoe.tensor.F32Tensor.wrap((float[]) tensors.get(name)[0]); }
    }
}
