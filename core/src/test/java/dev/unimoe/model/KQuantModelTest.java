package dev.unimoe.model;

import dev.unimoe.formats.Gguf;
import dev.unimoe.formats.GgufConverter;
import dev.unimoe.formats.RandomModel;
import dev.unimoe.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole models in K-quants (random weights of a shape whose rows are whole super-blocks): the
 * converter's type mix, and logits equal bit for bit to those of the same weights expanded to
 * float32 (a K-quant product is the float dot of the expanded values), for a batch and for
 * decode steps, which exercises the expert slices, the LM head and the embedding rows.
 */
class KQuantModelTest {
    @TempDir Path dir;

    static ModelConfig shape(int experts) {
        return new ModelConfig("mixtral", 1000, 256, 2, 4, 2, 64, 512, experts, 2, 512, 0, true, false,
                1e-5f, 10000f, 4096, ModelConfig.uniform(2, true), false, false);
    }

    @Test
    void kQuantModelsComputeTheirExpandedWeights() {
        for (DType type : new DType[] {DType.Q4_K, DType.Q5_K, DType.Q6_K}) {
            Path p = dir.resolve("m-" + type + ".gguf");
            RandomModel.write(shape(4), type, 7, null, p, null);   // four experts: every matrix a K-quant (Q8_0 would quantize activations)
            try (Gguf g = Gguf.open(p)) {
                assertEquals(GgufConverter.fileType(type), g.getLong("general.file_type"));
                assertEquals(type, g.tensorInfo("blk.0.ffn_down_exps.weight").type());
                assertEquals(type, g.tensorInfo("blk.1.attn_q.weight").type());
                assertEquals(type, g.tensorInfo("blk.0.attn_v.weight").type());
                assertEquals(type, g.tensorInfo("token_embd.weight").type());
                assertEquals(DType.Q6_K, g.tensorInfo("output.weight").type(), "output in Q6_K, as llama-quantize does");
            }
            try (Model m = Model.load(p, null)) {
                Weights ref = Q4ReferenceTest.dequantized(m.weights());
                int[] ids = {1, 17, 400, 3, 999, 250, 42, 7};
                float[] a = Q4ReferenceTest.logits(m.config(), m.weights(), ids), b = Q4ReferenceTest.logits(m.config(), ref, ids);
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 0f, type + " logit " + i);
                float[] one = decodeLast(m.config(), m.weights(), ids), oneRef = decodeLast(m.config(), ref, ids);
                int v = m.config().vocabSize();
                for (int i = 0; i < v; i++) {
                    assertEquals(oneRef[i], one[i], 0f, type + " decode logit " + i);
                    assertEquals(a[(ids.length - 1) * v + i], one[i], 1e-4f, type + " decode vs batch, logit " + i);
                }
                double spread = 0;
                for (float x : one) spread = Math.max(spread, Math.abs(x));
                assertTrue(spread > 0.01, "logits are not all zero");
            }
        }
    }

    @Test
    void typeMixFollowsLlamaQuantize() {
        long[] ne = {256, 256};
        assertEquals(DType.Q8_0, GgufConverter.tensorType("blk.0.attn_v.weight", ne, DType.Q4_K, 8, true, null), "8 experts: attn_v in Q8_0");
        assertEquals(DType.Q4_K, GgufConverter.tensorType("blk.0.attn_v.weight", ne, DType.Q4_K, 4, true, null));
        assertEquals(DType.Q6_K, GgufConverter.tensorType("token_embd.weight", ne, DType.Q5_K, 4, false, null), "tied embeddings are the output");
        assertEquals(DType.Q8_0, GgufConverter.tensorType("blk.0.ffn_down.weight", new long[] {96, 256}, DType.Q4_K, 4, true, null), "rows of 96: Q8_0");
        assertEquals(DType.F16, GgufConverter.tensorType("blk.0.ffn_down.weight", new long[] {40, 256}, DType.Q6_K, 4, true, null), "rows of 40: F16");
        assertEquals(DType.F32, GgufConverter.tensorType("blk.0.ffn_gate_inp.weight", ne, DType.Q4_K, 4, true, null), "the router stays F32");
    }

    /** The prompt one token at a time; the last step's logits. */
    static float[] decodeLast(ModelConfig c, Weights w, int[] ids) {
        Forward f = new Forward(c, w, dev.unimoe.kernels.CpuKernels.INSTANCE, 32, 16);
        float[] emb = new float[c.hidden()], out = new float[c.vocabSize()];
        for (int i = 0; i < ids.length; i++) {
            f.embed(ids, i, 1, emb);
            f.forward(emb, 1, i, out, false);
        }
        return out;
    }
}
