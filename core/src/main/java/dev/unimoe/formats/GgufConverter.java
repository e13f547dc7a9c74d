package dev.unimoe.formats;

import dev.unimoe.model.HfConfig;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleConsumer;

/**
 * Converts a HF checkpoint folder (config.json, single or sharded safetensors, tokenizer.json) to
 * a GGUF file that llama.cpp can load, streaming tensor by tensor.
 *
 * <p><b>Architectures.</b> {@code llama}, {@code mistral} and {@code mixtral} become llama.cpp's
 * {@code llama} (experts stacked into {@code ffn_{gate,up,down}_exps} of ne [in, out, E]; the rows
 * of q and k permuted for llama.cpp's pairwise RoPE: GGUF row h·hd + 2i + s = HF row
 * h·hd + s·hd/2 + i, also for q/k biases); {@code qwen2_moe} becomes {@code qwen2moe} (shared
 * expert as {@code ffn_{gate,up,down}_shexp} + {@code ffn_gate_inp_shexp} ne [hidden], q/k/v
 * biases, no permutation: Qwen uses NEOX RoPE) and {@code qwen2} becomes {@code qwen2}.
 *
 * <p><b>Tensor types</b> (as llama.cpp's converter + llama-quantize choose them): 1-D tensors
 * (norms, biases, the shared-expert gate) and the router {@code ffn_gate_inp} stay F32; the other
 * weights take the requested type, except that {@code output.weight} (or {@code token_embd.weight}
 * when the embeddings are tied) is Q6_K for the K-quants, as llama-quantize makes it, and Q8_0 for
 * Q4_0 (llama-quantize would pick Q6_K there too; Q8_0 keeps this engine's Q4_0 files and figures
 * as they were), and that, as llama-quantize does for 8-expert models, {@code attn_k}/{@code attn_v}
 * are Q8_0 for Q4_0 and the K-quants. A weight whose rows are not whole blocks falls back to Q8_0
 * (K-quants, rows of whole 32-value blocks) or F16 (noted on the log stream). The K-quants are
 * quantized by ggml's reference search ({@code quantize_row_q*_K_ref}, what llama-quantize runs
 * without an importance matrix), so the "S" mixes of llama.cpp (Q4_K_S, Q5_K_S) come out.
 */
public final class GgufConverter {
    private GgufConverter() {}

    /** Output types the converter writes. */
    public static final List<DType> TYPES = List.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K);

    /** The output types as users name them, for messages. */
    public static final String TYPE_NAMES = String.join(", ", TYPES.stream().map(DType::name).toList());

    /** Converts with the folder's name as {@code general.name}, notes to stderr. */
    public static void convert(Path hfDir, Path out, DType type, DoubleConsumer progress) {
        convert(hfDir, out, type, null, progress, System.err);
    }

    /**
     * Converts {@code hfDir} to {@code out} in {@code type}. {@code name} (null: the folder name)
     * becomes {@code general.name}; {@code progress} (nullable) receives the fraction done;
     * {@code log} (nullable) receives notes such as type fallbacks.
     */
    public static void convert(Path hfDir, Path out, DType type, String name, DoubleConsumer progress, PrintStream log) {
        if (!TYPES.contains(type)) throw new IllegalArgumentException("cannot convert to " + type + "; choose one of " + TYPE_NAMES);
        ModelConfig c = HfConfig.read(hfDir);
        String arch = ggufArchitecture(c.architecture());
        if (name == null) {
            Path fn = hfDir.toAbsolutePath().normalize().getFileName();
            name = fn == null ? arch : fn.toString();
        }
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(hfDir); GgufWriter w = new GgufWriter(out)) {
            w.onProgress(progress);
            boolean hasOutput = !c.tieEmbeddings() && ck.has("lm_head.weight");
            writeModelMetadata(w, c, arch, name, type);
            if (GgufVocab.present(hfDir)) {
                GgufVocab.write(w, hfDir, c.vocabSize(), false, log);
            } else if (log != null) {
                log.println("note: " + hfDir + " has no tokenizer.json; the GGUF will carry no tokenizer");
            }
            List<Planned> plan = plan(c, arch, hasOutput);
            List<GgufWriter.RowSource> sources = new ArrayList<>();
            Set<String> used = new HashSet<>();
            for (Planned p : plan) {
                sources.add(source(ck, c, p, used));
                w.addTensor(p.name(), tensorType(p.name(), p.ne(), type, c.experts(), hasOutput, log), p.ne());
            }
            if (log != null) {
                for (String n : ck.names()) {
                    if (!used.contains(n) && !n.endsWith("rotary_emb.inv_freq")) log.println("note: tensor " + n + " is not used by the " + arch + " GGUF; skipped");
                }
            }
            for (int i = 0; i < plan.size(); i++) w.writeTensor(plan.get(i).name(), sources.get(i));
            w.finish();
        }
    }

    // ------------------------------------------------------------------ shared with RandomModel

    /** llama.cpp's architecture name for a HF model_type (GGUF names are accepted as they are). */
    public static String ggufArchitecture(String hfArch) {
        return switch (hfArch) {
            case "llama", "mistral", "mixtral" -> "llama";
            case "qwen2_moe", "qwen2moe" -> "qwen2moe";
            case "qwen2" -> "qwen2";
            default -> throw new IllegalArgumentException("no GGUF architecture for model_type \"" + hfArch
                    + "\" (supported: llama, mistral, mixtral, qwen2, qwen2_moe)");
        };
    }

    /** llama.cpp's {@code general.file_type} (llama_ftype) for an output type. */
    public static int fileType(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 14;            // LLAMA_FTYPE_MOSTLY_Q4_K_S: K-quants throughout, the output Q6_K
            case Q5_K -> 16;            // MOSTLY_Q5_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + t);
        };
    }

    /** The storage type a tensor gets when {@code requested} is asked for (see the class comment). */
    public static DType tensorType(String name, long[] ne, DType requested, int experts, boolean hasOutput, PrintStream log) {
        if (ne.length == 1 || name.endsWith(".ffn_gate_inp.weight")) return DType.F32;
        DType t = requested;
        boolean kQuant = requested == DType.Q4_K || requested == DType.Q5_K || requested == DType.Q6_K;
        if (requested == DType.Q4_0 || kQuant) {
            boolean output = name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"));
            if (output) t = kQuant ? DType.Q6_K : DType.Q8_0;
            else if (experts == 8 && (name.endsWith(".attn_k.weight") || name.endsWith(".attn_v.weight"))) t = DType.Q8_0;
        }
        if (ne[0] % t.blockSize != 0) {
            // a K-quant falls back to Q8_0 where the rows are whole 32-value blocks (llama-quantize picks a 32-block type too)
            DType fallback = t.blockSize == 256 && ne[0] % 32 == 0 ? DType.Q8_0 : DType.F16;
            if (log != null) log.println("note: " + name + " has rows of " + ne[0] + " values, not a multiple of " + t.blockSize + "; stored as " + fallback + " instead of " + t);
            t = fallback;
        }
        return t;
    }

    /** Writes general.* and {@code <arch>.*} hyper-parameters the way llama.cpp's converter does. */
    public static void writeModelMetadata(GgufWriter w, ModelConfig c, String arch, String name, DType type) {
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", name);
        String a = arch + ".";
        w.putU32(a + "block_count", c.layers());
        w.putU32(a + "context_length", c.contextLength());
        w.putU32(a + "embedding_length", c.hidden());
        int ff = arch.equals("llama") && c.experts() > 0 ? c.expertFfn() : c.ffn();
        if (ff > 0) w.putU32(a + "feed_forward_length", ff);
        w.putU32(a + "attention.head_count", c.heads());
        w.putU32(a + "attention.head_count_kv", c.kvHeads());
        w.putF32(a + "rope.freq_base", c.ropeTheta());
        w.putF32(a + "attention.layer_norm_rms_epsilon", c.rmsEps());
        if (c.experts() > 0) {
            w.putU32(a + "expert_count", c.experts());
            w.putU32(a + "expert_used_count", c.expertsPerToken());
        }
        w.putU32(a + "attention.key_length", c.headDim());
        w.putU32(a + "attention.value_length", c.headDim());
        w.putU32("general.file_type", fileType(type));
        w.putU32(a + "vocab_size", c.vocabSize());
        w.putU32(a + "rope.dimension_count", c.headDim());
        if (arch.equals("qwen2moe")) {
            w.putU32(a + "expert_feed_forward_length", c.expertFfn());
            if (c.sharedExpertFfn() > 0) w.putU32(a + "expert_shared_feed_forward_length", c.sharedExpertFfn());
            w.putBool(a + "expert_weights_norm", c.normTopkProb());
        }
        w.putU32("general.quantization_version", 2);
    }

    /** What a GGUF tensor holds, independent of where the values come from. */
    enum Role {
        EMBED, OUTPUT, NORM, Q, K, V, O, Q_BIAS, K_BIAS, V_BIAS, ROUTER, EXPS_GATE, EXPS_UP, EXPS_DOWN,
        SHEXP_GATE_INP, SHEXP_GATE, SHEXP_UP, SHEXP_DOWN, FFN_GATE, FFN_UP, FFN_DOWN
    }

    /** One GGUF tensor: llama.cpp name, ne (fastest first), role, layer (-1 outside blocks), HF source name(s). */
    record Planned(String name, long[] ne, Role role, int layer, String hfName) {}

    /** The tensors of a model in file order, with llama.cpp's names and shapes. */
    static List<Planned> plan(ModelConfig c, String arch, boolean hasOutput) {
        long H = c.hidden(), V = c.vocabSize(), Q = c.qDim(), KV = c.kvDim();
        boolean mixtralNames = !arch.equals("qwen2moe");
        List<Planned> out = new ArrayList<>();
        out.add(new Planned("token_embd.weight", new long[]{H, V}, Role.EMBED, -1, "model.embed_tokens.weight"));
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".", p = "model.layers." + l + ".", at = p + "self_attn.";
            out.add(new Planned(b + "attn_norm.weight", new long[]{H}, Role.NORM, l, p + "input_layernorm.weight"));
            out.add(new Planned(b + "attn_q.weight", new long[]{H, Q}, Role.Q, l, at + "q_proj.weight"));
            if (c.qkvBias()) out.add(new Planned(b + "attn_q.bias", new long[]{Q}, Role.Q_BIAS, l, at + "q_proj.bias"));
            out.add(new Planned(b + "attn_k.weight", new long[]{H, KV}, Role.K, l, at + "k_proj.weight"));
            if (c.qkvBias()) out.add(new Planned(b + "attn_k.bias", new long[]{KV}, Role.K_BIAS, l, at + "k_proj.bias"));
            out.add(new Planned(b + "attn_v.weight", new long[]{H, KV}, Role.V, l, at + "v_proj.weight"));
            if (c.qkvBias()) out.add(new Planned(b + "attn_v.bias", new long[]{KV}, Role.V_BIAS, l, at + "v_proj.bias"));
            out.add(new Planned(b + "attn_output.weight", new long[]{Q, H}, Role.O, l, at + "o_proj.weight"));
            out.add(new Planned(b + "ffn_norm.weight", new long[]{H}, Role.NORM, l, p + "post_attention_layernorm.weight"));
            if (c.sparse(l)) {
                long E = c.experts(), F = c.expertFfn();
                String m = p + (mixtralNames ? "block_sparse_moe." : "mlp.");
                out.add(new Planned(b + "ffn_gate_inp.weight", new long[]{H, E}, Role.ROUTER, l, m + "gate.weight"));
                out.add(new Planned(b + "ffn_gate_exps.weight", new long[]{H, F, E}, Role.EXPS_GATE, l, m + "experts.%d." + (mixtralNames ? "w1" : "gate_proj") + ".weight"));
                out.add(new Planned(b + "ffn_up_exps.weight", new long[]{H, F, E}, Role.EXPS_UP, l, m + "experts.%d." + (mixtralNames ? "w3" : "up_proj") + ".weight"));
                out.add(new Planned(b + "ffn_down_exps.weight", new long[]{F, H, E}, Role.EXPS_DOWN, l, m + "experts.%d." + (mixtralNames ? "w2" : "down_proj") + ".weight"));
                if (c.hasSharedExpert()) {
                    long S = c.sharedExpertFfn();
                    out.add(new Planned(b + "ffn_gate_inp_shexp.weight", new long[]{H}, Role.SHEXP_GATE_INP, l, m + "shared_expert_gate.weight"));
                    out.add(new Planned(b + "ffn_gate_shexp.weight", new long[]{H, S}, Role.SHEXP_GATE, l, m + "shared_expert.gate_proj.weight"));
                    out.add(new Planned(b + "ffn_up_shexp.weight", new long[]{H, S}, Role.SHEXP_UP, l, m + "shared_expert.up_proj.weight"));
                    out.add(new Planned(b + "ffn_down_shexp.weight", new long[]{S, H}, Role.SHEXP_DOWN, l, m + "shared_expert.down_proj.weight"));
                }
            } else {
                long F = c.ffn();
                out.add(new Planned(b + "ffn_gate.weight", new long[]{H, F}, Role.FFN_GATE, l, p + "mlp.gate_proj.weight"));
                out.add(new Planned(b + "ffn_up.weight", new long[]{H, F}, Role.FFN_UP, l, p + "mlp.up_proj.weight"));
                out.add(new Planned(b + "ffn_down.weight", new long[]{F, H}, Role.FFN_DOWN, l, p + "mlp.down_proj.weight"));
            }
        }
        out.add(new Planned("output_norm.weight", new long[]{H}, Role.NORM, -1, "model.norm.weight"));
        if (hasOutput) out.add(new Planned("output.weight", new long[]{H, V}, Role.OUTPUT, -1, "lm_head.weight"));
        return out;
    }

    /** True when a tensor's rows (or, for 1-D, its values) are permuted for llama.cpp's pairwise RoPE. */
    static boolean permuted(String arch, Role r) {
        return arch.equals("llama") && (r == Role.Q || r == Role.K || r == Role.Q_BIAS || r == Role.K_BIAS);
    }

    /** HF row (within one head-major [heads·hd] block) that GGUF row {@code r} holds after the pairwise-RoPE permutation. */
    public static int hfRowOfGgufRow(int r, int headDim) {
        int h = r / headDim, j = r % headDim;
        return h * headDim + (j & 1) * (headDim / 2) + (j >> 1);
    }

    // ------------------------------------------------------------------ sources

    private static GgufWriter.RowSource source(SafetensorsCheckpoint ck, ModelConfig c, Planned p, Set<String> used) {
        String arch = ggufArchitecture(c.architecture());
        long[] ne = p.ne();
        int cols = (int) ne[0];
        int hd = c.headDim();
        if (ne.length == 3) {
            int rowsPer = (int) ne[1], E = (int) ne[2];
            Tensor[] ex = new Tensor[E];
            for (int e = 0; e < E; e++) {
                String n = String.format(p.hfName(), e);
                ex[e] = ck.tensor(n, rowsPer, cols);
                used.add(n);
            }
            return (r0, count, dst) -> {
                for (int k = 0; k < count; k++) {
                    long r = r0 + k;
                    ex[(int) (r / rowsPer)].dequantize((r % rowsPer) * cols, dst, k * cols, cols);
                }
            };
        }
        used.add(p.hfName());
        if (ne.length == 1) {
            Tensor t = p.role() == Role.SHEXP_GATE_INP ? ck.tensor(p.hfName(), 1, cols) : ck.tensor(p.hfName(), cols);
            boolean perm = permuted(arch, p.role());
            return (r0, count, dst) -> {
                if (!perm) {
                    t.dequantize(0, dst, 0, cols);
                } else {
                    for (int i = 0; i < cols; i++) dst[i] = t.get(hfRowOfGgufRow(i, hd));
                }
            };
        }
        int rows = (int) ne[1];
        Tensor t = ck.tensor(p.hfName(), rows, cols);
        boolean perm = permuted(arch, p.role());
        return (r0, count, dst) -> {
            for (int k = 0; k < count; k++) {
                long r = r0 + k;
                long hr = perm ? hfRowOfGgufRow((int) r, hd) : r;
                t.dequantize(hr * cols, dst, k * cols, cols);
            }
        };
    }
}
