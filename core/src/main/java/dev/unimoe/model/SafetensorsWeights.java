package dev.unimoe.model;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.SafetensorsCheckpoint;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;

import java.util.function.DoubleConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds HF tensor names (LLaMA, Mixtral {@code block_sparse_moe}, Qwen2-MoE / Uni-MoE {@code mlp.experts})
 * to {@link Weights}, checking every shape against the config.
 */
public final class SafetensorsWeights {
    private SafetensorsWeights() {}

    private static final Pattern EXPERT = Pattern.compile("model\\.layers\\.(\\d+)\\.(?:block_sparse_moe|mlp)\\.experts\\.(\\d+)\\..*");

    public static Weights load(SafetensorsCheckpoint ck, ModelConfig c, DoubleConsumer progress) {
        return load(ck, c, null, progress);
    }

    /** As {@link #load(SafetensorsCheckpoint, ModelConfig, DoubleConsumer)}, merging a LoRA adapter (may be null). */
    public static Weights load(SafetensorsCheckpoint ck, ModelConfig c, LoraAdapter lora, DoubleConsumer progress) {
        checkExpertCount(ck, c);
        Weights w = bind(new Source(ck, lora), c, progress);
        if (lora != null && !lora.unusedTargets().isEmpty()) {
            throw new FormatException(ck.dir().resolve("adapter_model.safetensors").toString(), "LoRA targets",
                    "weights of this model; no base weight for " + lora.unusedTargets().iterator().next());
        }
        return w;
    }

    /** Where matrices come from: the checkpoint, with the adapter's update merged in where it has one. */
    private record Source(SafetensorsCheckpoint ck, LoraAdapter lora) {
        boolean has(String name) { return ck.has(name); }
    }

    private static Weights bind(Source ck, ModelConfig c, DoubleConsumer progress) {
        int H = c.hidden();
        Matrix embed = matrix(ck, "model.embed_tokens.weight", c.vocabSize(), H);
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            String a = p + "self_attn.";
            Matrix wq = matrix(ck, a + "q_proj.weight", c.qDim(), H);
            Matrix wk = matrix(ck, a + "k_proj.weight", c.kvDim(), H);
            Matrix wv = matrix(ck, a + "v_proj.weight", c.kvDim(), H);
            Matrix wo = matrix(ck, a + "o_proj.weight", H, c.qDim());
            float[] bq = null, bk = null, bv = null;
            if (c.qkvBias()) {
                bq = vector(ck, a + "q_proj.bias", c.qDim());
                bk = vector(ck, a + "k_proj.bias", c.kvDim());
                bv = vector(ck, a + "v_proj.bias", c.kvDim());
            }
            float[] attnNorm = vector(ck, p + "input_layernorm.weight", H);
            float[] ffnNorm = vector(ck, p + "post_attention_layernorm.weight", H);
            if (c.sparse(l)) {
                boolean mixtral = ck.has(p + "block_sparse_moe.gate.weight");
                String m = mixtral ? p + "block_sparse_moe." : p + "mlp.";
                Matrix router = matrix(ck, m + "gate.weight", c.experts(), H);
                int E = c.experts(), F = c.expertFfn();
                Matrix[] g = new Matrix[E], u = new Matrix[E], d = new Matrix[E];
                for (int e = 0; e < E; e++) {
                    String x = m + "experts." + e + ".";
                    g[e] = matrix(ck, x + (mixtral ? "w1" : "gate_proj") + ".weight", F, H);
                    u[e] = matrix(ck, x + (mixtral ? "w3" : "up_proj") + ".weight", F, H);
                    d[e] = matrix(ck, x + (mixtral ? "w2" : "down_proj") + ".weight", H, F);
                }
                Matrix sg = null, su = null, sd = null, sgate = null;
                if (c.hasSharedExpert()) {
                    int S = c.sharedExpertFfn();
                    sg = matrix(ck, m + "shared_expert.gate_proj.weight", S, H);
                    su = matrix(ck, m + "shared_expert.up_proj.weight", S, H);
                    sd = matrix(ck, m + "shared_expert.down_proj.weight", H, S);
                    sgate = matrix(ck, m + "shared_expert_gate.weight", 1, H);
                }
                layers[l] = new LayerWeights(attnNorm, wq, wk, wv, wo, bq, bk, bv, ffnNorm, router, g, u, d, sg, su, sd, sgate, null, null, null);
            } else {
                String m = p + "mlp.";
                int F = c.ffn();
                layers[l] = new LayerWeights(attnNorm, wq, wk, wv, wo, bq, bk, bv, ffnNorm, null, null, null, null, null, null, null, null,
                        matrix(ck, m + "gate_proj.weight", F, H), matrix(ck, m + "up_proj.weight", F, H), matrix(ck, m + "down_proj.weight", H, F));
            }
            if (progress != null) progress.accept((l + 1.0) / (c.layers() + 1));
        }
        float[] norm = vector(ck, "model.norm.weight", H);
        Matrix head = c.tieEmbeddings() || !ck.has("lm_head.weight") ? embed : matrix(ck, "lm_head.weight", c.vocabSize(), H);
        if (progress != null) progress.accept(1.0);
        return new Weights(embed, layers, norm, head);
    }

    /** A checkpoint with more experts than config.json declares is as wrong as one with fewer. */
    private static void checkExpertCount(SafetensorsCheckpoint ck, ModelConfig c) {
        for (String name : ck.names()) {
            Matcher m = EXPERT.matcher(name);
            if (m.matches()) {
                int layer = Integer.parseInt(m.group(1)), e = Integer.parseInt(m.group(2));
                if (layer >= c.layers() || !c.sparse(layer) || e >= c.experts()) {
                    throw new FormatException(ck.dir().resolve("config.json").toString(), c.experts() == 0 ? "num_experts" : "expert count",
                            "a value that covers tensor " + name + " (config says " + c.experts() + " experts, "
                                    + c.layers() + " layers); config.json and the weights disagree");
                }
            }
        }
    }

    private static Matrix matrix(Source src, String name, int rows, int cols) {
        Tensor t = src.ck().tensor(name, rows, cols);
        if (src.lora() != null) t = src.lora().apply(name, t, rows, cols);
        return Matrix.of(t, rows, cols);
    }

    private static float[] vector(Source src, String name, int n) {
        return src.ck().tensor(name, n).toFloatArray();
    }
}
