package dev.unimoe.model;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A PEFT LoRA adapter beside a checkpoint is merged at load as W + (alpha/r)·B·A. */
class LoraMergeTest {
    @TempDir Path dir;

    static final String Q = "model.layers.0.self_attn.q_proj", W1 = "model.layers.1.block_sparse_moe.experts.2.w1";

    @Test
    void mergedModelEqualsHandMergedWeights() throws IOException {
        Path ck = checkpointCopy();
        SplittableRandom r = new SplittableRandom(3);
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        put(t, shapes, "base_model.model." + Q + ".lora_A.weight", rand(r, 2 * 64), 2, 64);
        put(t, shapes, "base_model.model." + Q + ".lora_B.weight", rand(r, 64 * 2), 64, 2);
        put(t, shapes, "base_model.model." + W1 + ".lora_A.weight", rand(r, 2 * 64), 2, 64);
        put(t, shapes, "base_model.model." + W1 + ".lora_B.weight", rand(r, 128 * 2), 128, 2);
        writeSafetensors(ck.resolve("adapter_model.safetensors"), t, shapes);
        Files.writeString(ck.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\", \"w1\"]}");
        float scale = 8f / 2f;
        try (Model merged = Model.load(ck, null); Model base = Model.load(Fixtures.path("moe-mixtral"), null)) {
            assertEquals("safetensors+lora", merged.format());
            Weights bw = base.weights();
            LayerWeights l0 = bw.layers()[0], l1 = bw.layers()[1];
            Matrix q = byHand(l0.wq(), t.get("base_model.model." + Q + ".lora_A.weight"), t.get("base_model.model." + Q + ".lora_B.weight"), 2, scale);
            Matrix[] gate = l1.expertGate().clone();
            gate[2] = byHand(gate[2], t.get("base_model.model." + W1 + ".lora_A.weight"), t.get("base_model.model." + W1 + ".lora_B.weight"), 2, scale);
            LayerWeights[] layers = {
                    new LayerWeights(l0.attnNorm(), q, l0.wk(), l0.wv(), l0.wo(), l0.bq(), l0.bk(), l0.bv(), l0.ffnNorm(), l0.router(), l0.expertGate(), l0.expertUp(),
                            l0.expertDown(), null, null, null, null, null, null, null),
                    new LayerWeights(l1.attnNorm(), l1.wq(), l1.wk(), l1.wv(), l1.wo(), l1.bq(), l1.bk(), l1.bv(), l1.ffnNorm(), l1.router(), gate, l1.expertUp(),
                            l1.expertDown(), null, null, null, null, null, null, null)};
            Weights expected = new Weights(bw.embedding(), layers, bw.finalNorm(), bw.lmHead());
            int[] ids = {1, 5713, 3714, 264, 727};
            float[] got = logits(merged.config(), merged.weights(), ids), want = logits(base.config(), expected, ids), orig = logits(base.config(), bw, ids);
            assertArrayEquals(want, got, 1e-5f);
            float moved = 0;
            for (int i = 0; i < got.length; i++) moved = Math.max(moved, Math.abs(got[i] - orig[i]));
            assertTrue(moved > 1e-2f, "the adapter changed the model: " + moved);
        }
    }

    @Test
    void brokenAdaptersAreRefused() throws IOException {
        Path ck = checkpointCopy();
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        put(t, shapes, "base_model.model." + Q + ".lora_A.weight", new float[2 * 64], 2, 64);
        writeSafetensors(ck.resolve("adapter_model.safetensors"), t, shapes);
        Files.writeString(ck.resolve("adapter_config.json"), "{\"r\": 2, \"lora_alpha\": 8}");
        FormatException e = assertThrows(FormatException.class, () -> Model.load(ck, null));
        assertTrue(e.getMessage().contains("lora_B"), e.getMessage());
        put(t, shapes, "base_model.model." + Q + ".lora_B.weight", new float[64 * 2], 64, 2);
        put(t, shapes, "base_model.model.model.layers.7.mlp.foo.lora_A.weight", new float[2 * 64], 2, 64);
        put(t, shapes, "base_model.model.model.layers.7.mlp.foo.lora_B.weight", new float[64 * 2], 64, 2);
        writeSafetensors(ck.resolve("adapter_model.safetensors"), t, shapes);
        FormatException e2 = assertThrows(FormatException.class, () -> Model.load(ck, null));
        assertTrue(e2.getMessage().contains("layers.7.mlp.foo"), e2.getMessage());
        Files.delete(ck.resolve("adapter_model.safetensors"));
        FormatException e3 = assertThrows(FormatException.class, () -> Model.load(ck, null));
        assertTrue(e3.getMessage().contains("adapter_model.safetensors"), e3.getMessage());
        Files.delete(ck.resolve("adapter_config.json"));
        try (Model plain = Model.load(ck, null)) {
            assertFalse(plain.format().contains("lora"));
        }
    }

    Path checkpointCopy() throws IOException {
        Path ck = dir.resolve("ck");
        Files.createDirectories(ck);
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.createSymbolicLink(ck.resolve(f), Fixtures.path("moe-mixtral", f).toAbsolutePath());
        }
        return ck;
    }

    static Matrix byHand(Matrix w, float[] a, float[] b, int r, float scale) {
        float[] v = new float[w.rows() * w.cols()];
        w.tensor().dequantize(w.offset(), v, 0, v.length);
        for (int i = 0; i < w.rows(); i++)
            for (int j = 0; j < r; j++)
                for (int c = 0; c < w.cols(); c++) v[i * w.cols() + c] += scale * b[i * r + j] * a[j * w.cols() + c];
        return Matrix.of(F32Tensor.wrap(v), w.rows(), w.cols());
    }

    static float[] logits(ModelConfig c, Weights w, int[] ids) {
        Forward f = new Forward(c, w, CpuKernels.INSTANCE, 16, 8);
        float[] emb = new float[ids.length * c.hidden()], out = new float[c.vocabSize()];
        f.embed(ids, 0, ids.length, emb);
        f.forward(emb, ids.length, 0, out, false);
        return out;
    }

    static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 0.1);
        return v;
    }

    static void put(Map<String, float[]> t, Map<String, long[]> s, String name, float[] v, long... shape) {
        t.put(name, v);
        s.put(name, shape);
    }

    static void writeSafetensors(Path p, Map<String, float[]> t, Map<String, long[]> shapes) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : t.entrySet()) {
            long len = e.getValue().length * 4L;
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(shapes.get(e.getKey()))).append(",\"data_offsets\":[").append(off).append(',').append(off + len).append("]}");
            off += len;
        }
        byte[] hb = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + hb.length + off)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        for (float[] v : t.values()) for (float x : v) b.putFloat(x);
        Files.write(p, b.array());
    }
}
