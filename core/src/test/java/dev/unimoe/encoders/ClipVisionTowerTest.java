package dev.unimoe.encoders;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipVisionTowerTest {
    static final double TOL = 1e-4;
    static ClipVisionTower tower;
    static References ref;

    @BeforeAll
    static void load() {
        tower = ClipVisionTower.load(Fixtures.path("clip-vision"), CpuKernels.INSTANCE);
        ref = References.open("clip-vision", "reference.safetensors");
    }

    @AfterAll
    static void close() {
        tower.close();
        ref.close();
    }

    @Test
    void configOfTheFixture() {
        ClipVisionConfig c = tower.config();
        assertEquals(new ClipVisionConfig(224, 32, 64, 3, 4, 256, Activation.QUICK_GELU, 1e-5f, 3), c);
        assertEquals(49, c.numPatches());
        assertEquals(50, c.tokens());
    }

    @Test
    void everyHiddenStatePooledAndSelectedFeatureMatchTheReference() {
        double worst = 0;
        for (String img : List.of("chelsea", "camera", "coffee")) {
            float[] px = ref.get(img + ".pixel_values");
            ClipVisionTower.Output out = tower.forward(px);
            assertEquals(4, out.hiddenStates().size());
            for (int i = 0; i < 4; i++) {
                worst = Math.max(worst, References.check(img + " hidden_states." + i, ref.get(img + ".hidden_states." + i), out.hiddenStates().get(i), TOL));
            }
            worst = Math.max(worst, References.check(img + " pooler_output", ref.get(img + ".pooler_output"), out.pooled(), TOL));
            float[] sel = tower.features(px, -2, true);
            assertEquals(49 * 64, sel.length);
            worst = Math.max(worst, References.check(img + " select_layer_-2_no_cls", ref.get(img + ".select_layer_-2_no_cls"), sel, TOL));
            float[] withCls = tower.features(px, -2, false);
            assertEquals(50 * 64, withCls.length);
        }
        System.out.printf("CLIP vision tower: worst relative error %.3g%n", worst);
    }

    @Test
    void namesWithoutTheVisionModelPrefixLoadToo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path src = Fixtures.path("clip-vision");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        try (var in = dev.unimoe.formats.Safetensors.open(src.resolve("model.safetensors"))) {
            SafetensorsWriter.copyRenamed(in, dir.resolve("model.safetensors"), n -> n.substring("vision_model.".length()));
        }
        float[] px = ref.get("camera.pixel_values");
        try (ClipVisionTower t = ClipVisionTower.load(dir, CpuKernels.INSTANCE)) {
            References.check("unprefixed select layer", ref.get("camera.select_layer_-2_no_cls"), t.features(px, -2, true), TOL);
        }
    }

    @Test
    void missingFolderIsNamed() {
        Path missing = Fixtures.path("clip-vision-does-not-exist");
        FormatException e = assertThrows(FormatException.class, () -> ClipVisionTower.load(missing, CpuKernels.INSTANCE));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void wrongTensorShapeIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path src = Fixtures.path("clip-vision");
        // A config claiming 8 heads still fits; an intermediate size of 128 does not match fc1 [256, 64].
        String cfg = Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 256", "\"intermediate_size\": 128");
        Files.writeString(dir.resolve("config.json"), cfg);
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        FormatException e = assertThrows(FormatException.class, () -> ClipVisionTower.load(dir, CpuKernels.INSTANCE));
        assertTrue(e.getMessage().contains("vision_model.encoder.layers.0.mlp.fc1.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[128, 64]") && e.getMessage().contains("[256, 64]"), e.getMessage());
    }

    @Test
    void wrongPixelCountAndSelectLayerAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tower.forward(new float[3 * 223 * 224]));
        assertTrue(e.getMessage().contains("[3, 224, 224]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tower.features(new float[3 * 224 * 224], -5, true));
        assertThrows(IllegalArgumentException.class, () -> tower.features(new float[3 * 224 * 224], 4, true));
    }

    @Test
    void nestedVisionConfigAndDefaults() {
        var json = dev.unimoe.formats.Json.parseObject("""
                {"model_type": "clip", "vision_config": {"hidden_size": 1024, "image_size": 336, "patch_size": 14,
                 "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096}}""", "config.json");
        ClipVisionConfig c = ClipVisionConfig.parse(new dev.unimoe.formats.JsonFields(json, "config.json"));
        assertEquals(577, c.tokens());
        assertEquals(Activation.QUICK_GELU, c.act());
        var bad = dev.unimoe.formats.Json.parseObject("{\"hidden_act\": \"relu\"}", "config.json");
        FormatException e = assertThrows(FormatException.class, () -> ClipVisionConfig.parse(new dev.unimoe.formats.JsonFields(bad, "config.json")));
        assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
    }
}
