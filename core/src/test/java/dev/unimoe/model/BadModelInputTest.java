package dev.unimoe.model;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configs that disagree with the weights, bad token ids and over-long prompts fail clearly. */
class BadModelInputTest {
    @TempDir Path dir;

    Path copyWithConfig(String fixture, String from, String to) throws IOException {
        Path src = Fixtures.path(fixture);
        for (String f : new String[]{"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), src.resolve(f).toAbsolutePath());
        }
        String cfg = Files.readString(src.resolve("config.json"));
        assertTrue(cfg.contains(from), "fixture config contains " + from);
        Files.writeString(dir.resolve("config.json"), cfg.replace(from, to));
        return dir;
    }

    @Test
    void fewerExpertsInConfigThanInWeights() throws IOException {
        Path p = copyWithConfig("moe-mixtral", "\"num_local_experts\": 4", "\"num_local_experts\": 3");
        FormatException e = assertThrows(FormatException.class, () -> Model.load(p, null));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("experts.3"), e.getMessage());
    }

    @Test
    void moreExpertsInConfigThanInWeights() throws IOException {
        Path p = copyWithConfig("moe-qwen2", "\"num_experts\": 8", "\"num_experts\": 9");
        FormatException e = assertThrows(FormatException.class, () -> Model.load(p, null));
        assertTrue(e.getMessage().contains("mlp.experts.8") || e.getMessage().contains("[9, 64]"), e.getMessage());
    }

    @Test
    void hiddenSizeDisagrees() throws IOException {
        Path p = copyWithConfig("moe-mixtral", "\"hidden_size\": 64", "\"hidden_size\": 128");
        FormatException e = assertThrows(FormatException.class, () -> Model.load(p, null));
        assertTrue(e.getMessage().contains("shape") && e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path p = copyWithConfig("moe-mixtral", "\"model_type\": \"mixtral\"", "\"model_type\": \"gpt_bigcode\"");
        FormatException e = assertThrows(FormatException.class, () -> Model.load(p, null));
        assertTrue(e.getMessage().contains("model_type") && e.getMessage().contains("gpt_bigcode"), e.getMessage());
    }

    @Test
    void missingFolderOrConfig() {
        FormatException e = assertThrows(FormatException.class, () -> Model.load(dir.resolve("nope"), null));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        FormatException e2 = assertThrows(FormatException.class, () -> Model.load(dir, null));
        assertTrue(e2.getMessage().contains("config.json"), e2.getMessage());
    }

    @Test
    void tokenIdOutOfRangeAndPromptLongerThanContext() {
        try (Model m = Model.load(Fixtures.path("moe-mixtral"), null)) {
            Forward f = new Forward(m.config(), m.weights(), CpuKernels.INSTANCE, 8, 4);
            float[] emb = new float[64];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.embed(new int[]{32000}, 0, 1, emb));
            assertTrue(e.getMessage().contains("32000") && e.getMessage().contains("vocabulary"), e.getMessage());
            Generator g = new Generator(f);
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> g.generate(new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 4, Sampler.greedy(), null, null));
            assertTrue(e2.getMessage().contains("context"), e2.getMessage());
        }
    }
}
