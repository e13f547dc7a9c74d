package dev.unimoe.model;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a HF {@code config.json} (llama, mixtral, qwen2, qwen2_moe) into a {@link ModelConfig}. */
public final class HfConfig {
    private HfConfig() {}

    public static ModelConfig read(Path dir) {
        Path p = dir.resolve("config.json");
        if (!Files.isRegularFile(p)) throw new FormatException(p.toString(), "file not found (a HF checkpoint folder needs config.json)");
        return parse(JsonFields.read(p));
    }

    public static ModelConfig parse(JsonFields c) {
        String type = c.getString("model_type");
        int hidden = positive(c, "hidden_size");
        int layers = positive(c, "num_hidden_layers");
        int heads = positive(c, "num_attention_heads");
        int kvHeads = c.has("num_key_value_heads") ? positive(c, "num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw new FormatException(c.source(), "num_key_value_heads", "a divisor of num_attention_heads (" + heads + "), found " + kvHeads);
        }
        int headDim = c.has("head_dim") ? positive(c, "head_dim") : hidden / heads;
        if (!c.has("head_dim") && hidden % heads != 0) {
            throw new FormatException(c.source(), "num_attention_heads", "a divisor of hidden_size (" + hidden + "), found " + heads);
        }
        int vocab = positive(c, "vocab_size");
        int ffn = c.getInt("intermediate_size", 0);
        float eps = (float) c.getDouble("rms_norm_eps", 1e-6);
        float theta = (float) c.getDouble("rope_theta", 10000.0);
        int ctx = c.getInt("max_position_embeddings", 4096);
        boolean tied = c.getBool("tie_word_embeddings", false);
        String act = c.getString("hidden_act", "silu");
        if (!act.equals("silu")) throw new FormatException(c.source(), "hidden_act", "\"silu\" (SwiGLU FFN), found \"" + act + "\"");
        if (c.has("rope_scaling")) {
            throw new FormatException(c.source(), "rope_scaling", "null (RoPE scaling is not supported yet)");
        }
        return switch (type) {
            case "llama", "mistral" -> new ModelConfig(type, vocab, hidden, layers, heads, kvHeads, headDim, positive(c, "intermediate_size"),
                    0, 0, 0, 0, false, c.getBool("attention_bias", false), eps, theta, ctx, ModelConfig.uniform(layers, false), tied, false);
            case "llava" -> {
                // Uni-MoE (LLaVA-style LLaMA): with "moe": true every MLP is a top-k MoE whose
                // softmax runs over the k selected logits, i.e. renormalised top-k probabilities.
                if (!c.getBool("moe", false)) {
                    yield new ModelConfig(type, vocab, hidden, layers, heads, kvHeads, headDim, positive(c, "intermediate_size"),
                            0, 0, 0, 0, false, false, eps, theta, ctx, ModelConfig.uniform(layers, false), tied, false);
                }
                int e = positive(c, "num_experts");
                int k = topK(c, e);
                yield new ModelConfig("unimoe", vocab, hidden, layers, heads, kvHeads, headDim, positive(c, "intermediate_size"),
                        e, k, positive(c, "intermediate_size"), 0, true, false, eps, theta, ctx, ModelConfig.uniform(layers, true), tied, false);
            }
            case "qwen2" -> new ModelConfig(type, vocab, hidden, layers, heads, kvHeads, headDim, positive(c, "intermediate_size"),
                    0, 0, 0, 0, false, true, eps, theta, ctx, ModelConfig.uniform(layers, false), tied, false);
            case "mixtral" -> {
                int e = positive(c, "num_local_experts");
                int k = topK(c, e);
                yield new ModelConfig(type, vocab, hidden, layers, heads, kvHeads, headDim, positive(c, "intermediate_size"),
                        e, k, positive(c, "intermediate_size"), 0, true, false, eps, theta, ctx, ModelConfig.uniform(layers, true), tied, false);
            }
            case "qwen2_moe" -> {
                int e = positive(c, "num_experts");
                int k = topK(c, e);
                int step = c.getInt("decoder_sparse_step", 1);
                if (step < 1) throw new FormatException(c.source(), "decoder_sparse_step", "an integer >= 1, found " + step);
                boolean[] sparse = new boolean[layers];
                List<Object> mlpOnly = c.has("mlp_only_layers") ? c.getList("mlp_only_layers") : List.of();
                for (int l = 0; l < layers; l++) sparse[l] = (l + 1) % step == 0;
                for (Object o : mlpOnly) {
                    if (!(o instanceof BigDecimal d) || d.intValue() < 0 || d.intValue() >= layers) {
                        throw new FormatException(c.source(), "mlp_only_layers", "layer indices in [0, " + layers + "), found " + o);
                    }
                    sparse[d.intValue()] = false;
                }
                yield new ModelConfig(type, vocab, hidden, layers, heads, kvHeads, headDim, c.getInt("intermediate_size", 0),
                        e, k, positive(c, "moe_intermediate_size"), c.getInt("shared_expert_intermediate_size", 0),
                        c.getBool("norm_topk_prob", false), c.getBool("qkv_bias", true), eps, theta, ctx, sparse, tied, false);
            }
            default -> throw new FormatException(c.source(), "model_type", "one of llama, mistral, mixtral, qwen2, qwen2_moe, llava (Uni-MoE); found \"" + type + "\"");
        };
    }

    private static int topK(JsonFields c, int experts) {
        int k = positive(c, "num_experts_per_tok");
        if (k > experts) throw new FormatException(c.source(), "num_experts_per_tok", "at most the expert count " + experts + ", found " + k);
        return k;
    }

    private static int positive(JsonFields c, String key) {
        int v = c.getInt(key);
        if (v <= 0) throw new FormatException(c.source(), key, "a positive integer, found " + v);
        return v;
    }
}
