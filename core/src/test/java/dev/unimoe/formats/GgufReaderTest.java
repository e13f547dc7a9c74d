package dev.unimoe.formats;

import dev.unimoe.Fixtures;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The GGUF reader on llama.cpp's files and on every kind of malformed file it must reject. */
class GgufReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsLlamaCppQ8File() {
        try (Gguf g = Gguf.open(Fixtures.path("moe-mixtral", "model-q8_0.gguf"))) {
            assertEquals(3, g.version());
            assertEquals(32, g.alignment());
            assertEquals(23, g.tensors().size());
            assertEquals(29, g.metadata().size());
            assertEquals("llama", g.architecture());
            assertEquals(List.of("general.architecture", "general.type", "general.name", "general.size_label"),
                    g.metadata().keySet().stream().limit(4).toList(), "insertion order kept");
            assertEquals(2L, g.getLong("llama.block_count"));
            assertEquals(GgufType.UINT32, g.valueType("llama.block_count"));
            assertEquals(10000f, g.getFloat("llama.rope.freq_base", 0f));
            assertEquals(GgufType.FLOAT32, g.valueType("llama.rope.freq_base"));
            assertEquals(1e-5f, g.getFloat("llama.attention.layer_norm_rms_epsilon", 0f));
            assertEquals(7L, g.getLong("general.file_type"));
            assertEquals(Boolean.TRUE, g.metadata().get("tokenizer.ggml.add_bos_token"));
            assertEquals(GgufType.BOOL, g.valueType("tokenizer.ggml.add_bos_token"));
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            assertEquals(32000, tokens.length);
            assertEquals("<s>", tokens[1]);
            assertEquals("<0x0A>", tokens[13]);
            assertEquals(GgufType.STRING, g.arrayType("tokenizer.ggml.tokens"));
            assertInstanceOf(float[].class, g.metadata().get("tokenizer.ggml.scores"));
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            assertEquals(GgufType.INT32, g.arrayType("tokenizer.ggml.token_type"));
            assertEquals(3, types[0]);
            assertEquals(6, types[3]);
            assertEquals(1, types[300]);
            assertEquals("fallback", g.getString("no.such.key", "fallback"));
            assertEquals(5L, g.getLong("no.such.key", 5L));
            assertFalse(g.has("no.such.key"));

            Gguf.TensorInfo ti = g.tensors().get("blk.0.ffn_down_exps.weight");
            assertEquals(DType.Q8_0, ti.type());
            assertArrayEquals(new long[]{128, 64, 4}, ti.ne());
            assertEquals(34816, ti.bytes());
            assertEquals(128L * 64 * 4, ti.elements());
            assertEquals(0, (g.dataStart() + ti.offset()) % 32);
            Gguf.TensorInfo norm = g.tensors().get("output_norm.weight");
            assertEquals(DType.F32, norm.type());
            assertArrayEquals(new long[]{64}, norm.ne());
            assertEquals(5309664, g.fileSize());

            Tensor t = g.tensor("output_norm.weight");
            assertEquals(64, t.elements());
            float[] v = t.toFloatArray();
            for (float x : v) assertTrue(x > 0.5f && x < 1.5f, "norm weights are 1 + N(0, 0.1)");
            Tensor q = g.tensor("token_embd.weight");
            assertEquals(DType.Q8_0, q.type());
            assertEquals(64L * 32000, q.elements());
        }
    }

    @Test
    void typedGettersNameFileAndKey() {
        try (Gguf g = Gguf.open(Fixtures.path("moe-mixtral", "model-q8_0.gguf"))) {
            FormatException e = assertThrows(FormatException.class, () -> g.getLong("general.name"));
            assertTrue(e.getMessage().contains("model-q8_0.gguf") && e.getMessage().contains("general.name")
                    && e.getMessage().contains("an integer"), e.getMessage());
            e = assertThrows(FormatException.class, () -> g.getString("llama.missing"));
            assertTrue(e.getMessage().contains("llama.missing") && e.getMessage().contains("present"), e.getMessage());
            e = assertThrows(FormatException.class, () -> g.getFloat("general.architecture"));
            assertTrue(e.getMessage().contains("a number"), e.getMessage());
            e = assertThrows(FormatException.class, () -> g.tensor("blk.9.attn_q.weight"));
            assertTrue(e.getMessage().contains("blk.9.attn_q.weight"), e.getMessage());
        }
    }

    @Test
    void readsVocabOnlyFile() {
        try (Gguf g = Gguf.open(Fixtures.path("tokenizer-llama", "vocab.gguf"))) {
            assertTrue(g.tensors().isEmpty());
            assertEquals("llama", g.getString("tokenizer.ggml.model"));
            assertEquals(32000, g.getFloatArray("tokenizer.ggml.scores").length);
        }
    }

    // ------------------------------------------------------------------ malformed files

    /** Little-endian GGUF byte builder for hand-made (and deliberately broken) files. */
    static final class B {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        B u8(int v) { out.write(v); return this; }

        B u32(long v) { for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i))); return this; }

        B u64(long v) { for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i))); return this; }

        B str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        B header(long tensors, long kvs) { return u32(0x46554747L).u32(3).u64(tensors).u64(kvs); }

        B kvU32(String k, long v) { return str(k).u32(4).u32(v); }

        B tensor(String name, int type, long offset, long... ne) {
            str(name).u32(ne.length);
            for (long d : ne) u64(d);
            return u32(type).u64(offset);
        }

        B padTo(int a) {
            while (out.size() % a != 0) out.write(0);
            return this;
        }

        B zeros(int n) { out.writeBytes(new byte[n]); return this; }

        byte[] bytes() { return out.toByteArray(); }
    }

    private Path file(byte[] b) throws IOException {
        Path p = Files.createTempFile(tmp, "bad", ".gguf");
        Files.write(p, b);
        return p;
    }

    private String reject(byte[] b, String... fragments) throws IOException {
        Path p = file(b);
        FormatException e = assertThrows(FormatException.class, () -> Gguf.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), "names the file: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' in: " + m);
        return m;
    }

    /** A valid one-tensor file: F32 [32] at offset 0. */
    private static B valid() {
        B b = new B().header(1, 1).kvU32("test.value", 7).tensor("w", 0, 0, 32).padTo(32);
        return b.zeros(128);
    }

    /** A K-quant tensor (ggml's own Q6_K blocks from fixtures/kquants) reads back as ggml expands it. */
    @Test
    void readsKQuantTensors() throws IOException {
        byte[] blocks = Files.readAllBytes(Fixtures.path("kquants", "q6_k.bin"));
        B b = new B().header(1, 0).tensor("blk.0.ffn_down.weight", 14, 0, 256, 8).padTo(32);
        b.out.writeBytes(blocks);
        try (Gguf g = Gguf.open(file(b.bytes()))) {
            Tensor t = g.tensor("blk.0.ffn_down.weight");
            assertEquals(DType.Q6_K, t.type());
            byte[] ref = Files.readAllBytes(Fixtures.path("kquants", "q6_k.f32"));
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(ref).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 2048; i++) assertEquals(bb.getFloat(4 * i), t.get(i), "value " + i);
        }
    }

    @Test
    void validHandMadeFileOpens() throws IOException {
        try (Gguf g = Gguf.open(file(valid().bytes()))) {
            assertEquals(7L, g.getLong("test.value"));
            assertEquals(32, g.tensor("w").elements());
        }
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        byte[] b = valid().bytes();
        b[0] = 'X';
        reject(b, "magic", "GGUF");
        reject(new byte[0], "magic", "0 bytes");
        reject("{\"__metadata__\":1}".getBytes(StandardCharsets.UTF_8), "magic", "not a GGUF file");
    }

    @Test
    void rejectsUnsupportedVersion() throws IOException {
        reject(new B().u32(0x46554747L).u32(1).u64(0).u64(0).bytes(), "version", "found 1");
        reject(new B().u32(0x46554747L).u32(4).u64(0).u64(0).bytes(), "version", "2 or 3", "found 4");
        reject(new B().u32(0x46554747L).u32(3L << 24).u64(0).u64(0).bytes(), "version", "big-endian");
        reject(new B().u32(0x46554747L).u32(3).bytes(), "tensor count", "truncated");
    }

    @Test
    void rejectsAbsurdCounts() throws IOException {
        reject(new B().header(1L << 40, 0).zeros(64).bytes(), "tensor count", "fit in the file");
        reject(new B().header(0, 1000).zeros(64).bytes(), "metadata", "fit in the file");
        reject(new B().header(-1L, 0).bytes(), "tensor count", "2^63");
    }

    @Test
    void rejectsStringsAndArraysRunningPastTheEnd() throws IOException {
        // key length far beyond the file
        reject(new B().header(0, 1).u64(1L << 40).zeros(16).bytes(), "metadata key #0", "bytes left", "truncated");
        // string value truncated
        reject(new B().header(0, 1).str("k").u32(8).u64(100).zeros(20).bytes(), "metadata key k", "100", "truncated");
        // array whose length cannot fit
        reject(new B().header(0, 1).str("k").u32(9).u32(6).u64(1L << 30).zeros(40).bytes(), "metadata key k array length", "fit");
        // string array whose elements cannot fit
        reject(new B().header(0, 1).str("k").u32(9).u32(8).u64(1000).zeros(40).bytes(), "metadata key k array length");
        // a real file cut in the middle of its token list
        byte[] full = Files.readAllBytes(Fixtures.path("tokenizer-llama", "vocab.gguf"));
        reject(Arrays.copyOf(full, 300_000), "tokenizer.ggml", "truncated");
        // a real file cut in its tensor data
        byte[] q8 = Files.readAllBytes(Fixtures.path("moe-mixtral", "model-q8_0.gguf"));
        reject(Arrays.copyOf(q8, q8.length - 1000), "tensor", "data section", "truncated");
    }

    @Test
    void rejectsUnknownMetadataTypes() throws IOException {
        reject(new B().header(0, 1).str("my.key").u32(13).u32(0).bytes(), "metadata key my.key value type", "0-12", "found 13");
        reject(new B().header(0, 1).str("my.key").u32(9).u32(77).u64(0).zeros(16).bytes(), "my.key array element type", "found 77");
        reject(new B().header(0, 2).kvU32("a", 1).kvU32("a", 2).zeros(16).bytes(), "metadata key a", "twice");
    }

    @Test
    void rejectsUnknownAndUnsupportedTensorTypes() throws IOException {
        reject(new B().header(1, 0).tensor("blk.0.x", 99, 0, 32).padTo(32).zeros(256).bytes(), "tensor blk.0.x type", "unknown ggml type id 99");
        reject(new B().header(1, 0).tensor("blk.0.k", 11, 0, 256).padTo(32).zeros(256).bytes(), "tensor blk.0.k type", "Q3_K", "id 11", "not supported");
        reject(new B().header(1, 0).tensor("blk.0.k", 12, 0, 128).padTo(32).zeros(256).bytes(), "tensor blk.0.k ne[0]", "Q4_K blocks (256 values)");
    }

    @Test
    void rejectsBadShapes() throws IOException {
        reject(new B().header(1, 0).tensor("t", 0, 0, 2, 2, 2, 2, 2).padTo(32).zeros(256).bytes(), "tensor t n_dims", "1 to 4", "found 5");
        reject(new B().header(1, 0).tensor("t", 0, 0, new long[0]).padTo(32).zeros(64).bytes(), "tensor t n_dims", "found 0");
        reject(new B().header(1, 0).tensor("t", 0, 0, 4, 0).padTo(32).zeros(64).bytes(), "tensor t ne[1]", "positive", "found 0");
        reject(new B().header(1, 0).tensor("t", 0, 0, 4, -3).padTo(32).zeros(64).bytes(), "tensor t ne[1]", "positive");
        reject(new B().header(1, 0).tensor("t", 0, 0, 1L << 40, 1L << 40).padTo(32).zeros(64).bytes(), "tensor t ne", "63 bits");
        reject(new B().header(1, 0).tensor("q", 8, 0, 33, 2).padTo(32).zeros(256).bytes(), "tensor q ne[0]", "Q8_0 blocks", "32 values");
        reject(new B().header(1, 0).tensor("q", 2, 0, 48).padTo(32).zeros(256).bytes(), "tensor q ne[0]", "Q4_0");
    }

    @Test
    void rejectsBadOffsets() throws IOException {
        reject(new B().header(1, 0).tensor("t", 0, 16, 8).padTo(32).zeros(128).bytes(), "tensor t data offset", "multiple of the alignment 32", "found 16");
        reject(new B().header(1, 0).tensor("t", 0, 0, 64).padTo(32).zeros(128).bytes(), "tensor t data", "only 128 bytes", "truncated");
        reject(new B().header(1, 0).tensor("t", 0, 1L << 50, 8).padTo(32).zeros(64).bytes(), "tensor t data");
        reject(new B().header(2, 0).tensor("a", 0, 0, 32).tensor("b", 0, 96, 32).padTo(32).zeros(256).bytes(),
                "tensor b data offset", "non-overlapping", "inside tensor a");
        reject(new B().header(1, 0).tensor("t", 0, 0, 8).bytes(), "data section", "truncated");
        reject(new B().header(2, 0).tensor("a", 0, 0, 8).tensor("a", 0, 32, 8).padTo(32).zeros(64).bytes(), "tensor a", "twice");
    }

    @Test
    void honoursAndChecksAlignment() throws IOException {
        B ok = new B().header(1, 1).kvU32("general.alignment", 64).tensor("t", 0, 64, 8).padTo(64).zeros(128);
        try (Gguf g = Gguf.open(file(ok.bytes()))) {
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataStart() % 64);
        }
        reject(new B().header(1, 1).kvU32("general.alignment", 64).tensor("t", 0, 32, 8).padTo(64).zeros(128).bytes(),
                "tensor t data offset", "alignment 64");
        reject(new B().header(0, 1).kvU32("general.alignment", 3).bytes(), "general.alignment", "power of two");
        reject(new B().header(0, 1).str("general.alignment").u32(8).str("x").bytes(), "general.alignment", "power of two");
    }

    @Test
    void mapsEveryValueType() throws IOException {
        B b = new B().header(0, 14);
        b.str("u8").u32(0).u8(200);
        b.str("i8").u32(1).u8(0xFE);
        b.str("u16").u32(2).u8(0xFF).u8(0xFF);
        b.str("i16").u32(3).u8(0xFE).u8(0xFF);
        b.str("u32").u32(4).u32(0xFFFFFFFFL);
        b.str("i32").u32(5).u32(-5);
        b.str("f32").u32(6).u32(Float.floatToIntBits(1.5f));
        b.str("bool").u32(7).u8(1);
        b.str("str").u32(8).str("héllo");
        b.str("u64").u32(10).u64(1L << 40);
        b.str("i64").u32(11).u64(-7);
        b.str("f64").u32(12).u64(Double.doubleToLongBits(0.25));
        b.str("arr_u8").u32(9).u32(0).u64(2).u8(255).u8(1);
        b.str("arr_nested").u32(9).u32(9).u64(2).u32(5).u64(1).u32(3).u32(10).u64(1).u64(9);
        try (Gguf g = Gguf.open(file(b.bytes()))) {
            var m = g.metadata();
            assertEquals(200L, m.get("u8"));
            assertEquals(-2L, m.get("i8"));
            assertEquals(65535L, m.get("u16"));
            assertEquals(-2L, m.get("i16"));
            assertEquals(0xFFFFFFFFL, m.get("u32"));
            assertEquals(-5L, m.get("i32"));
            assertEquals(1.5f, m.get("f32"));
            assertEquals(Boolean.TRUE, m.get("bool"));
            assertEquals("héllo", m.get("str"));
            assertEquals(1L << 40, m.get("u64"));
            assertEquals(-7L, m.get("i64"));
            assertEquals(0.25, m.get("f64"));
            assertArrayEquals(new int[]{255, 1}, (int[]) m.get("arr_u8"));
            Object[] nested = (Object[]) m.get("arr_nested");
            assertArrayEquals(new int[]{3}, (int[]) nested[0]);
            assertArrayEquals(new long[]{9}, (long[]) nested[1]);
            assertEquals(GgufType.ARRAY, g.arrayType("arr_nested"));
            assertEquals(GgufType.UINT8, g.valueType("u8"));
        }
    }
}
