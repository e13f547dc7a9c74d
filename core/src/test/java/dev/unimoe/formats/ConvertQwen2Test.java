package dev.unimoe.formats;

import dev.unimoe.Fixtures;
import dev.unimoe.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** moe-qwen2 (Qwen2-MoE: shared expert, q/k/v biases, NEOX RoPE) → GGUF arch qwen2moe. */
class ConvertQwen2Test {
    static final Path DIR = Fixtures.path("moe-qwen2");

    @TempDir
    Path tmp;

    @Test
    void convertsAndReadsBack() {
        Path out = tmp.resolve("qwen.gguf");
        GgufConverter.convert(DIR, out, DType.F32, null, null, null);
        try (Gguf g = Gguf.open(out); SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(DIR)) {
            assertEquals("qwen2moe", g.architecture());
            assertEquals("moe-qwen2", g.getString("general.name"));
            assertEquals(8, g.getLong("qwen2moe.expert_count"));
            assertEquals(2, g.getLong("qwen2moe.expert_used_count"));
            assertEquals(64, g.getLong("qwen2moe.expert_feed_forward_length"));
            assertEquals(128, g.getLong("qwen2moe.expert_shared_feed_forward_length"));
            assertEquals(128, g.getLong("qwen2moe.feed_forward_length"));
            assertFalse(g.getBool("qwen2moe.expert_weights_norm"));
            assertEquals(1e6f, g.getFloat("qwen2moe.rope.freq_base"));
            assertEquals(1e-6f, g.getFloat("qwen2moe.attention.layer_norm_rms_epsilon"));
            assertEquals(GgufType.UINT32, g.valueType("qwen2moe.block_count"));
            assertEquals("llama", g.getString("tokenizer.ggml.model"));

            Map<String, String> m = new LinkedHashMap<>();
            m.put("token_embd.weight", "model.embed_tokens.weight");
            m.put("output_norm.weight", "model.norm.weight");
            m.put("output.weight", "lm_head.weight");
            for (int l = 0; l < 2; l++) {
                String b = "blk." + l + ".", p = "model.layers." + l + ".";
                m.put(b + "attn_norm.weight", p + "input_layernorm.weight");
                for (String x : new String[]{"q", "k", "v"}) {
                    m.put(b + "attn_" + x + ".weight", p + "self_attn." + x + "_proj.weight");
                    m.put(b + "attn_" + x + ".bias", p + "self_attn." + x + "_proj.bias");
                }
                m.put(b + "attn_output.weight", p + "self_attn.o_proj.weight");
                m.put(b + "ffn_norm.weight", p + "post_attention_layernorm.weight");
                m.put(b + "ffn_gate_inp.weight", p + "mlp.gate.weight");
                m.put(b + "ffn_gate_inp_shexp.weight", p + "mlp.shared_expert_gate.weight");
                for (String x : new String[]{"gate", "up", "down"}) {
                    m.put(b + "ffn_" + x + "_shexp.weight", p + "mlp.shared_expert." + x + "_proj.weight");
                    m.put(b + "ffn_" + x + "_exps.weight", p + "mlp.experts.%d." + x + "_proj.weight");
                }
            }
            assertEquals(m.keySet(), g.tensors().keySet());
            for (var e : m.entrySet()) {
                float[] want;
                if (e.getValue().contains("%d")) {
                    float[][] parts = new float[8][];
                    for (int x = 0; x < 8; x++) parts[x] = ck.tensor(String.format(e.getValue(), x)).toFloatArray();
                    want = new float[8 * parts[0].length];
                    for (int x = 0; x < 8; x++) System.arraycopy(parts[x], 0, want, x * parts[x].length, parts[x].length);
                } else {
                    want = ck.tensor(e.getValue()).toFloatArray();
                }
                assertArrayEquals(want, g.tensor(e.getKey()).toFloatArray(), 0f, e.getKey() + " (no q/k permutation for qwen2moe)");
            }
            assertArrayEquals(new long[]{64}, g.tensorInfo("blk.0.ffn_gate_inp_shexp.weight").ne());
            assertArrayEquals(new long[]{64, 64, 8}, g.tensorInfo("blk.1.ffn_down_exps.weight").ne());
            assertArrayEquals(new long[]{128, 64}, g.tensorInfo("blk.1.ffn_down_shexp.weight").ne());
            assertArrayEquals(new long[]{32}, g.tensorInfo("blk.0.attn_k.bias").ne());
        }
    }

    @Test
    void quantizedKeepsBiasesNormsAndRoutersF32() {
        Path out = tmp.resolve("qwen-q4.gguf");
        GgufConverter.convert(DIR, out, DType.Q4_0, null, null, null);
        try (Gguf g = Gguf.open(out)) {
            for (Gguf.TensorInfo t : g.tensors().values()) {
                String n = t.name();
                DType want;
                if (t.nDims() == 1 || n.endsWith("ffn_gate_inp.weight")) want = DType.F32;
                else if (n.equals("output.weight") || n.contains("attn_k.weight") || n.contains("attn_v.weight")) want = DType.Q8_0; // 8 experts: llama-quantize's rule
                else want = DType.Q4_0;
                assertEquals(want, t.type(), n);
            }
            assertEquals(DType.F32, g.tensorInfo("blk.0.attn_q.bias").type());
            assertEquals(DType.F32, g.tensorInfo("blk.0.ffn_gate_inp_shexp.weight").type());
        }
    }
}
