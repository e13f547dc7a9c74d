package dev.unimoe.formats;

import dev.unimoe.Fixtures;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class RandomModelTest {
    @TempDir
    Path tmp;

    static ModelConfig mixtral(int vocab) {
        return new ModelConfig("mixtral", vocab, 128, 3, 4, 2, 32, 256, 4, 2, 256, 0, true, false,
                1e-5f, 10000f, 4096, ModelConfig.uniform(3, true), false, false);
    }

    @Test
    void smallMixtralWithTokenizer() throws Exception {
        Path out = tmp.resolve("rand.gguf");
        List<Double> progress = new ArrayList<>();
        RandomModel.write(mixtral(32000), DType.Q8_0, 42, Fixtures.path("tokenizer-llama"), out, progress::add);
        assertEquals(1.0, progress.getLast());
        try (Gguf g = Gguf.open(out)) {
            assertEquals("llama", g.architecture());
            assertEquals(3, g.getLong("llama.block_count"));
            assertEquals(128, g.getLong("llama.embedding_length"));
            assertEquals(256, g.getLong("llama.feed_forward_length"));
            assertEquals(4, g.getLong("llama.attention.head_count"));
            assertEquals(2, g.getLong("llama.attention.head_count_kv"));
            assertEquals(4, g.getLong("llama.expert_count"));
            assertEquals(2, g.getLong("llama.expert_used_count"));
            assertEquals(32, g.getLong("llama.rope.dimension_count"));
            assertEquals(4096, g.getLong("llama.context_length"));
            assertEquals(32000, g.getLong("llama.vocab_size"));
            assertEquals(7, g.getLong("general.file_type"));
            assertEquals(10000f, g.getFloat("llama.rope.freq_base"));
            assertEquals(32000, g.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(1, g.getLong("tokenizer.ggml.bos_token_id"));

            Set<String> want = new TreeSet<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
            for (int l = 0; l < 3; l++) {
                for (String s : new String[]{"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                        "ffn_gate_inp", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"}) want.add("blk." + l + "." + s + ".weight");
            }
            assertEquals(want, new TreeSet<>(g.tensors().keySet()));
            assertArrayEquals(new long[]{128, 32000}, g.tensorInfo("token_embd.weight").ne());
            assertArrayEquals(new long[]{128, 128}, g.tensorInfo("blk.0.attn_q.weight").ne());
            assertArrayEquals(new long[]{128, 64}, g.tensorInfo("blk.0.attn_k.weight").ne());
            assertArrayEquals(new long[]{128, 4}, g.tensorInfo("blk.2.ffn_gate_inp.weight").ne());
            assertArrayEquals(new long[]{128, 256, 4}, g.tensorInfo("blk.2.ffn_up_exps.weight").ne());
            assertArrayEquals(new long[]{256, 128, 4}, g.tensorInfo("blk.2.ffn_down_exps.weight").ne());
            for (Gguf.TensorInfo t : g.tensors().values()) {
                DType expect = t.nDims() == 1 || t.name().endsWith("ffn_gate_inp.weight") ? DType.F32 : DType.Q8_0;
                assertEquals(expect, t.type(), t.name());
            }
            float[] norm = g.tensor("blk.1.ffn_norm.weight").toFloatArray();
            double mean = 0;
            for (float x : norm) mean += x;
            assertEquals(1.0, mean / norm.length, 0.01, "norms ≈ 1");
            float[] w = g.tensor("blk.1.ffn_down_exps.weight").toFloatArray();
            double ss = 0, s = 0;
            for (float x : w) { s += x; ss += x * x; }
            double std = Math.sqrt(ss / w.length - (s / w.length) * (s / w.length));
            assertEquals(0.5 / Math.sqrt(256), std, 0.002, "linear weights ~ N(0, (0.5/sqrt(in))^2)");
            assertEquals(0, s / w.length, 0.001);
        }
        // deterministic
        Path again = tmp.resolve("again.gguf");
        RandomModel.write(mixtral(32000), DType.Q8_0, 42, Fixtures.path("tokenizer-llama"), again, null);
        assertEquals(-1, Files.mismatch(out, again));
        Path other = tmp.resolve("other.gguf");
        RandomModel.write(mixtral(32000), DType.Q8_0, 43, null, other, null);
        assertNotEquals(-1, Files.mismatch(out, other));
    }

    @Test
    void everyTypeAndNoTokenizer() {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16, DType.Q4_0)) {
            Path out = tmp.resolve("r-" + t + ".gguf");
            RandomModel.write(mixtral(1000), t, 1, null, out, null);
            try (Gguf g = Gguf.open(out)) {
                assertFalse(g.metadata().keySet().stream().anyMatch(k -> k.startsWith("tokenizer.")), "no tokenizer keys");
                assertEquals(GgufConverter.fileType(t), g.getLong("general.file_type"));
                DType q = g.tensorInfo("blk.0.attn_q.weight").type();
                assertEquals(t, q);
                assertEquals(t == DType.Q4_0 ? DType.Q8_0 : t, g.tensorInfo("output.weight").type());
                assertEquals(1000L, g.tensorInfo("output.weight").ne()[1]);
            }
        }
    }

    @Test
    void qwen2MoeShapeWithSharedExpertAndDenseLayer() {
        boolean[] sparse = {true, false};
        ModelConfig c = new ModelConfig("qwen2_moe", 512, 64, 2, 4, 2, 16, 96, 8, 2, 32, 64, true, true,
                1e-6f, 1e6f, 2048, sparse, true, false);
        Path out = tmp.resolve("q.gguf");
        RandomModel.write(c, DType.Q8_0, 5, null, out, null);
        try (Gguf g = Gguf.open(out)) {
            assertEquals("qwen2moe", g.architecture());
            assertTrue(g.getBool("qwen2moe.expert_weights_norm"));
            assertEquals(32, g.getLong("qwen2moe.expert_feed_forward_length"));
            assertEquals(64, g.getLong("qwen2moe.expert_shared_feed_forward_length"));
            assertFalse(g.hasTensor("output.weight"), "tied embeddings: no output tensor");
            assertEquals(DType.Q8_0, g.tensorInfo("token_embd.weight").type());
            assertEquals(DType.F32, g.tensorInfo("blk.0.attn_q.bias").type());
            assertArrayEquals(new long[]{64}, g.tensorInfo("blk.0.ffn_gate_inp_shexp.weight").ne());
            assertArrayEquals(new long[]{64, 64}, g.tensorInfo("blk.0.ffn_up_shexp.weight").ne());
            assertArrayEquals(new long[]{96, 64}, g.tensorInfo("blk.1.ffn_down.weight").ne(), "dense layer 1");
            assertFalse(g.hasTensor("blk.1.ffn_gate_inp.weight"));
            // 32-value rows are fine for Q8_0; expert down has rows of 32
            assertEquals(DType.Q8_0, g.tensorInfo("blk.0.ffn_down_exps.weight").type());
        }
    }

    @Test
    void rowsNotMultipleOf32FallBackToF16() {
        ModelConfig c = new ModelConfig("llama", 256, 64, 1, 2, 2, 32, 80, 0, 0, 0, 0, false, false,
                1e-5f, 10000f, 512, ModelConfig.uniform(1, false), false, false);
        Path out = tmp.resolve("odd.gguf");
        RandomModel.write(c, DType.Q4_0, 1, null, out, null);
        try (Gguf g = Gguf.open(out)) {
            assertEquals(DType.F16, g.tensorInfo("blk.0.ffn_down.weight").type(), "ne[0] = 80");
            assertEquals(DType.Q4_0, g.tensorInfo("blk.0.ffn_up.weight").type());
            assertEquals(80, g.getLong("llama.feed_forward_length"));
        }
    }

    @Test
    void tokenizerSizeMustMatch() {
        FormatException e = assertThrows(FormatException.class,
                () -> RandomModel.write(mixtral(1000), DType.Q8_0, 1, Fixtures.path("tokenizer-llama"), tmp.resolve("bad.gguf"), null));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("1000") && e.getMessage().contains("32000"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad.gguf")));
        assertThrows(FormatException.class,
                () -> RandomModel.write(mixtral(1000), DType.Q8_0, 1, tmp, tmp.resolve("bad2.gguf"), null));
    }
}
