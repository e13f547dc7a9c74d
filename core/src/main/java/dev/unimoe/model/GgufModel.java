package dev.unimoe.model;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Gguf;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.DoubleConsumer;

/**
 * Binds llama.cpp GGUF metadata and tensor names (archs {@code llama} incl. Mixtral-style MoE,
 * {@code qwen2moe}, {@code qwen2}) to a {@link Model}. GGUF lists dimensions fastest first, so a
 * [out, in] weight has ne = [in, out] and stacked experts ne = [in, out, E].
 */
final class GgufModel {
    private GgufModel() {}

    static Model load(Path path, DoubleConsumer progress) {
        Gguf g = Gguf.open(path);
        try {
            ModelConfig c = config(g);
            Weights w = weights(g, c, progress);
            return new Model(path, "gguf", c, w, g.metadata(), g);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    static ModelConfig config(Gguf g) {
        String arch = g.getString("general.architecture");
        boolean qwen = arch.equals("qwen2moe") || arch.equals("qwen2");
        if (!qwen && !arch.equals("llama")) {
            throw new FormatException(g.source(), "general.architecture", "llama, qwen2 or qwen2moe, found \"" + arch + "\"");
        }
        String p = arch + ".";
        int hidden = positive(g, p + "embedding_length");
        int layers = positive(g, p + "block_count");
        int heads = positive(g, p + "attention.head_count");
        int kvHeads = (int) g.getLong(p + "attention.head_count_kv", heads);
        int headDim = (int) g.getLong(p + "attention.key_length", hidden / heads);
        int ropeDim = (int) g.getLong(p + "rope.dimension_count", headDim);
        if (ropeDim != headDim) throw new FormatException(g.source(), p + "rope.dimension_count", headDim + " (partial RoPE is not supported), found " + ropeDim);
        if (kvHeads <= 0 || heads % kvHeads != 0) throw new FormatException(g.source(), p + "attention.head_count_kv", "a divisor of " + heads + ", found " + kvHeads);
        Gguf.TensorInfo embd = info(g, "token_embd.weight");
        int vocab = (int) embd.ne()[1];
        int experts = (int) g.getLong(p + "expert_count", 0);
        int used = (int) g.getLong(p + "expert_used_count", 0);
        if (experts > 0 && (used < 1 || used > experts)) throw new FormatException(g.source(), p + "expert_used_count", "1.." + experts + ", found " + used);
        int ffn = (int) g.getLong(p + "feed_forward_length", 0);
        int expertFfn = arch.equals("qwen2moe") ? (int) g.getLong(p + "expert_feed_forward_length", ffn) : ffn;
        int shared = arch.equals("qwen2moe") ? (int) g.getLong(p + "expert_shared_feed_forward_length", 0) : 0;
        boolean normTopk = arch.equals("llama") || g.getBool(p + "expert_weights_norm", false);
        boolean[] sparse = new boolean[layers];
        for (int l = 0; l < layers; l++) sparse[l] = experts > 0 && g.tensors().containsKey("blk." + l + ".ffn_gate_inp.weight");
        return new ModelConfig(arch.equals("qwen2moe") ? "qwen2_moe" : arch.equals("llama") && experts > 0 ? "mixtral" : arch,
                vocab, hidden, layers, heads, kvHeads, headDim, ffn, experts, experts > 0 ? used : 0, experts > 0 ? expertFfn : 0, shared,
                normTopk, g.tensors().containsKey("blk.0.attn_q.bias"),
                g.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f), g.getFloat(p + "rope.freq_base", 10000f),
                (int) g.getLong(p + "context_length", 4096), sparse, !g.tensors().containsKey("output.weight"),
                !qwen /* llama.cpp's converter permutes LLaMA q/k rows for pairwise RoPE; Qwen keeps NEOX order */);
    }

    static Weights weights(Gguf g, ModelConfig c, DoubleConsumer progress) {
        int H = c.hidden();
        Matrix embed = matrix(g, "token_embd.weight", c.vocabSize(), H);
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            Matrix wq = matrix(g, b + "attn_q.weight", c.qDim(), H), wk = matrix(g, b + "attn_k.weight", c.kvDim(), H);
            Matrix wv = matrix(g, b + "attn_v.weight", c.kvDim(), H), wo = matrix(g, b + "attn_output.weight", H, c.qDim());
            float[] bq = null, bk = null, bv = null;
            if (c.qkvBias()) {
                bq = vector(g, b + "attn_q.bias", c.qDim());
                bk = vector(g, b + "attn_k.bias", c.kvDim());
                bv = vector(g, b + "attn_v.bias", c.kvDim());
            }
            float[] an = vector(g, b + "attn_norm.weight", H), fn = vector(g, b + "ffn_norm.weight", H);
            if (c.sparse(l)) {
                int E = c.experts(), F = c.expertFfn();
                Matrix router = matrix(g, b + "ffn_gate_inp.weight", E, H);
                Matrix[] gate = experts(g, b, "gate", E, F, H), up = experts(g, b, "up", E, F, H), down = experts(g, b, "down", E, H, F);
                Matrix sg = null, su = null, sd = null, sgate = null;
                if (c.hasSharedExpert()) {
                    int S = c.sharedExpertFfn();
                    sg = matrix(g, b + "ffn_gate_shexp.weight", S, H);
                    su = matrix(g, b + "ffn_up_shexp.weight", S, H);
                    sd = matrix(g, b + "ffn_down_shexp.weight", H, S);
                    Tensor t = g.tensor(b + "ffn_gate_inp_shexp.weight");
                    if (t.elements() != H) throw new FormatException(g.source(), "tensor " + b + "ffn_gate_inp_shexp.weight", H + " values, found " + t.elements());
                    sgate = Matrix.of(t, 1, H);
                }
                layers[l] = new LayerWeights(an, wq, wk, wv, wo, bq, bk, bv, fn, router, gate, up, down, sg, su, sd, sgate, null, null, null);
            } else {
                int F = c.ffn();
                layers[l] = new LayerWeights(an, wq, wk, wv, wo, bq, bk, bv, fn, null, null, null, null, null, null, null, null,
                        matrix(g, b + "ffn_gate.weight", F, H), matrix(g, b + "ffn_up.weight", F, H), matrix(g, b + "ffn_down.weight", H, F));
            }
            if (progress != null) progress.accept((l + 1.0) / (c.layers() + 1));
        }
        float[] norm = vector(g, "output_norm.weight", H);
        Matrix head = c.tieEmbeddings() ? embed : matrix(g, "output.weight", c.vocabSize(), H);
        if (progress != null) progress.accept(1.0);
        return new Weights(embed, layers, norm, head);
    }

    /** Experts stacked in one tensor (ffn_gate_exps, ne [in, out, E]) or, in older files, one tensor each (ffn_gate.E). */
    private static Matrix[] experts(Gguf g, String b, String kind, int E, int rows, int cols) {
        Matrix[] m = new Matrix[E];
        String stacked = b + "ffn_" + kind + "_exps.weight";
        if (g.tensors().containsKey(stacked)) {
            Gguf.TensorInfo ti = g.tensors().get(stacked);
            long[] want = {cols, rows, E};
            if (!Arrays.equals(ti.ne(), want)) {
                throw new FormatException(g.source(), "tensor " + stacked + " ne", Arrays.toString(want) + " (expert_count " + E + "), found " + Arrays.toString(ti.ne()));
            }
            Matrix all = new Matrix(g.tensor(stacked), 0, rows * E, cols);
            for (int e = 0; e < E; e++) m[e] = all.slice(e, rows);
        } else {
            for (int e = 0; e < E; e++) m[e] = matrix(g, b + "ffn_" + kind + "." + e + ".weight", rows, cols);
        }
        return m;
    }

    private static Gguf.TensorInfo info(Gguf g, String name) {
        Gguf.TensorInfo ti = g.tensors().get(name);
        if (ti == null) throw new FormatException(g.source(), "tensor " + name, "this tensor (the metadata implies it)");
        return ti;
    }

    private static Matrix matrix(Gguf g, String name, int rows, int cols) {
        Gguf.TensorInfo ti = info(g, name);
        long[] want = {cols, rows};
        if (!Arrays.equals(ti.ne(), want)) {
            throw new FormatException(g.source(), "tensor " + name + " ne", Arrays.toString(want) + " (from the metadata), found " + Arrays.toString(ti.ne()));
        }
        return Matrix.of(g.tensor(name), rows, cols);
    }

    private static float[] vector(Gguf g, String name, int n) {
        Gguf.TensorInfo ti = info(g, name);
        if (ti.ne().length != 1 || ti.ne()[0] != n) {
            throw new FormatException(g.source(), "tensor " + name + " ne", "[" + n + "], found " + Arrays.toString(ti.ne()));
        }
        return g.tensor(name).toFloatArray();
    }

    private static int positive(Gguf g, String key) {
        long v = g.getLong(key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new FormatException(g.source(), key, "a positive integer, found " + v);
        return (int) v;
    }
}
