package dev.unimoe.formats;

import dev.unimoe.Fixtures;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Quantizer;
import dev.unimoe.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** moe-mixtral (HF, bf16) → GGUF, checked against the source and against llama.cpp's own Q8_0 file. */
class ConvertMixtralTest {
    static final Path DIR = Fixtures.path("moe-mixtral");
    static final int HD = 16;

    @TempDir
    static Path tmp;

    static Path f32, q8, q4, f16;

    @BeforeAll
    static void convert() {
        f32 = tmp.resolve("f32.gguf");
        q8 = tmp.resolve("q8_0.gguf");
        q4 = tmp.resolve("q4_0.gguf");
        f16 = tmp.resolve("f16.gguf");
        GgufConverter.convert(DIR, f32, DType.F32, "moe-mixtral", null, null);
        GgufConverter.convert(DIR, q4, DType.Q4_0, "moe-mixtral", null, null);
        GgufConverter.convert(DIR, f16, DType.F16, "moe-mixtral", null, null);
        List<Double> progress = new ArrayList<>();
        GgufConverter.convert(DIR, q8, DType.Q8_0, "moe-mixtral", progress::add, null);
        assertFalse(progress.isEmpty());
        assertEquals(1.0, progress.getLast());
        for (int i = 1; i < progress.size(); i++) assertTrue(progress.get(i) >= progress.get(i - 1));
    }

    /** The HF source of every GGUF tensor: (name, expert-stacked?, q/k permuted?). */
    record Src(String hf, boolean stacked, boolean permuted) {}

    static Map<String, Src> sources() {
        Map<String, Src> m = new LinkedHashMap<>();
        m.put("token_embd.weight", new Src("model.embed_tokens.weight", false, false));
        m.put("output_norm.weight", new Src("model.norm.weight", false, false));
        m.put("output.weight", new Src("lm_head.weight", false, false));
        for (int l = 0; l < 2; l++) {
            String b = "blk." + l + ".", p = "model.layers." + l + ".";
            m.put(b + "attn_norm.weight", new Src(p + "input_layernorm.weight", false, false));
            m.put(b + "attn_q.weight", new Src(p + "self_attn.q_proj.weight", false, true));
            m.put(b + "attn_k.weight", new Src(p + "self_attn.k_proj.weight", false, true));
            m.put(b + "attn_v.weight", new Src(p + "self_attn.v_proj.weight", false, false));
            m.put(b + "attn_output.weight", new Src(p + "self_attn.o_proj.weight", false, false));
            m.put(b + "ffn_norm.weight", new Src(p + "post_attention_layernorm.weight", false, false));
            m.put(b + "ffn_gate_inp.weight", new Src(p + "block_sparse_moe.gate.weight", false, false));
            m.put(b + "ffn_gate_exps.weight", new Src(p + "block_sparse_moe.experts.%d.w1.weight", true, false));
            m.put(b + "ffn_up_exps.weight", new Src(p + "block_sparse_moe.experts.%d.w3.weight", true, false));
            m.put(b + "ffn_down_exps.weight", new Src(p + "block_sparse_moe.experts.%d.w2.weight", true, false));
        }
        return m;
    }

    /** Source values in GGUF order, built independently of the converter. */
    static float[] expected(SafetensorsCheckpoint ck, Src s) {
        if (s.stacked) {
            List<float[]> parts = new ArrayList<>();
            for (int e = 0; e < 4; e++) parts.add(ck.tensor(String.format(s.hf, e)).toFloatArray());
            float[] all = new float[parts.size() * parts.getFirst().length];
            for (int e = 0; e < parts.size(); e++) System.arraycopy(parts.get(e), 0, all, e * parts.get(e).length, parts.get(e).length);
            return all;
        }
        float[] v = ck.tensor(s.hf).toFloatArray();
        if (!s.permuted) return v;
        long[] shape = ck.entry(s.hf).shape();
        int rows = (int) shape[0], cols = (int) shape[1];
        float[] out = new float[v.length];
        // GGUF row h·hd + 2i + s  =  HF row h·hd + s·hd/2 + i
        for (int h = 0; h < rows / HD; h++)
            for (int i = 0; i < HD / 2; i++)
                for (int sIdx = 0; sIdx < 2; sIdx++)
                    System.arraycopy(v, (h * HD + sIdx * HD / 2 + i) * cols, out, (h * HD + 2 * i + sIdx) * cols, cols);
        return out;
    }

    @Test
    void f32MatchesBf16SourceExactly() {
        Map<String, Src> src = sources();
        try (Gguf g = Gguf.open(f32); SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(DIR)) {
            assertEquals(src.keySet(), g.tensors().keySet());
            for (var e : src.entrySet()) {
                Gguf.TensorInfo ti = g.tensorInfo(e.getKey());
                assertEquals(DType.F32, ti.type(), e.getKey());
                assertArrayEquals(expected(ck, e.getValue()), g.tensor(e.getKey()).toFloatArray(), 0f, e.getKey());
            }
            assertEquals(0, g.getLong("general.file_type"));
            // the permutation really moves rows: GGUF q row 1 is HF row hd/2
            float[] hfQ = ck.tensor("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            Tensor gq = g.tensor("blk.0.attn_q.weight");
            for (int c = 0; c < 64; c++) assertEquals(hfQ[8 * 64 + c], gq.get(64 + c));
        }
    }

    @Test
    void q8MatchesLlamaCppFile() throws Exception {
        try (Gguf ours = Gguf.open(q8); Gguf ref = Gguf.open(DIR.resolve("model-q8_0.gguf"))) {
            assertEquals(new TreeSet<>(ref.tensors().keySet()), new TreeSet<>(ours.tensors().keySet()));
            int identical = 0;
            for (Gguf.TensorInfo r : ref.tensors().values()) {
                Gguf.TensorInfo o = ours.tensorInfo(r.name());
                assertEquals(r.type(), o.type(), r.name());
                assertArrayEquals(r.ne(), o.ne(), r.name());
                assertEquals(r.bytes(), o.bytes(), r.name());
                byte[] rb = ref.tensorBytes(r.name()).toArray(ValueLayout.JAVA_BYTE);
                byte[] ob = ours.tensorBytes(r.name()).toArray(ValueLayout.JAVA_BYTE);
                if (Arrays.equals(rb, ob)) identical++;
                else withinOneStep(r.name(), ref.tensor(r.name()), ours.tensor(r.name()));
            }
            assertEquals(ref.tensors().size(), identical, "every tensor byte-identical to llama.cpp's Q8_0 file");

            // metadata: every key llama.cpp wrote, same type and value (general.* naming aside)
            Set<String> naming = Set.of("general.name", "general.size_label", "general.type");
            for (String k : ref.metadata().keySet()) {
                if (naming.contains(k)) continue;
                assertTrue(ours.has(k), "missing key " + k);
                assertEquals(ref.valueType(k), ours.valueType(k), k);
                assertEquals(ref.arrayType(k), ours.arrayType(k), k);
                assertTrue(valuesEqual(ref.metadata().get(k), ours.metadata().get(k)), k);
            }
        }
    }

    static void withinOneStep(String name, Tensor ref, Tensor ours) {
        float[] a = ref.toFloatArray(), b = ours.toFloatArray();
        for (int blk = 0; blk < a.length / 32; blk++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(a[blk * 32 + j]));
            float step = amax / 127f * 1.01f + 1e-12f;
            for (int j = 0; j < 32; j++) {
                int i = blk * 32 + j;
                assertTrue(Math.abs(a[i] - b[i]) <= step, name + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
    }

    static boolean valuesEqual(Object a, Object b) {
        if (a instanceof Object[] x && b instanceof Object[] y) return Arrays.deepEquals(x, y);
        if (a instanceof float[] x && b instanceof float[] y) return Arrays.equals(x, y); // bitwise: -0.0 != 0.0
        if (a instanceof int[] x && b instanceof int[] y) return Arrays.equals(x, y);
        if (a instanceof long[] x && b instanceof long[] y) return Arrays.equals(x, y);
        return a.equals(b);
    }

    @Test
    void tokenizerEqualsFixtureVocab() {
        try (Gguf ours = Gguf.open(q8); Gguf vocab = Gguf.open(Fixtures.path("tokenizer-llama", "vocab.gguf"))) {
            for (String k : vocab.metadata().keySet()) {
                if (!k.startsWith("tokenizer.")) continue;
                assertTrue(ours.has(k), k);
                assertEquals(vocab.valueType(k), ours.valueType(k), k);
                assertTrue(valuesEqual(vocab.metadata().get(k), ours.metadata().get(k)), k);
            }
            float[] scores = ours.getFloatArray("tokenizer.ggml.scores");
            int merged = 0;
            for (float s : scores) if (s < 0 || Float.floatToRawIntBits(s) == Float.floatToRawIntBits(-0f)) merged++;
            assertEquals(28446, merged, "tokens scored by merge rank (README)");
        }
    }

    @Test
    void metadataOfConvertedFile() {
        try (Gguf g = Gguf.open(q8)) {
            assertEquals("moe-mixtral", g.getString("general.name"));
            assertEquals(7, g.getLong("general.file_type"));
            assertEquals(16, g.getLong("llama.rope.dimension_count"));
            assertEquals(16, g.getLong("llama.attention.key_length"));
            assertEquals(2, g.getLong("general.quantization_version"));
        }
    }

    /** Types of llama.cpp's (not kept) Q4_0 file, from meta.json. */
    static Map<String, String> llamaCppQ4Types() {
        JsonFields files = JsonFields.read(DIR.resolve("meta.json")).getObject("gguf").getObject("files");
        Map<String, String> types = new LinkedHashMap<>();
        for (Object o : files.getObject("model-q4_0.gguf").getList("tensors")) {
            @SuppressWarnings("unchecked") Map<String, Object> t = (Map<String, Object>) o;
            types.put((String) t.get("name"), (String) t.get("ggml_type"));
            assertInstanceOf(List.class, t.get("ne"));
            assertInstanceOf(BigDecimal.class, ((List<?>) t.get("ne")).getFirst());
        }
        return types;
    }

    @Test
    void q4AndF16MatchQuantizedSourceReference() {
        Map<String, String> q4Types = llamaCppQ4Types();
        Map<String, Src> src = sources();
        try (Gguf gq4 = Gguf.open(q4); Gguf gf16 = Gguf.open(f16); SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(DIR)) {
            assertEquals(q4Types.keySet(), gq4.tensors().keySet());
            for (var e : q4Types.entrySet()) assertEquals(e.getValue(), gq4.tensorInfo(e.getKey()).type().name(), "llama.cpp's type for " + e.getKey());
            assertEquals(DType.Q8_0, gq4.tensorInfo("output.weight").type());
            assertEquals(2, gq4.getLong("general.file_type"));
            assertEquals(1, gf16.getLong("general.file_type"));
            for (var e : src.entrySet()) {
                float[] want = expected(ck, e.getValue());
                for (Gguf g : List.of(gq4, gf16)) {
                    DType t = g.tensorInfo(e.getKey()).type();
                    if (g == gf16) assertEquals(e.getValue().hf.contains("norm") || e.getKey().contains("gate_inp") ? DType.F32 : DType.F16, t, e.getKey());
                    byte[] enc = Quantizer.quantize(t, want);
                    float[] ref = Tensor.of(t, MemorySegment.ofArray(enc), want.length).toFloatArray();
                    assertArrayEquals(ref, g.tensor(e.getKey()).toFloatArray(), 0f, e.getKey() + " " + t);
                    assertArrayEquals(enc, g.tensorBytes(e.getKey()).toArray(ValueLayout.JAVA_BYTE), e.getKey() + " bytes");
                }
            }
        }
    }

    @Test
    void unsupportedOutputTypeAndMissingFolder() {
        assertThrows(IllegalArgumentException.class, () -> GgufConverter.convert(DIR, tmp.resolve("x.gguf"), DType.I32, null));
        FormatException e = assertThrows(FormatException.class,
                () -> GgufConverter.convert(tmp.resolve("nowhere"), tmp.resolve("y.gguf"), DType.F16, null));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("y.gguf")));
    }
}
