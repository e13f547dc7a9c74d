package dev.unimoe.model;

import dev.unimoe.formats.Gguf;
import dev.unimoe.formats.GgufConverter;
import dev.unimoe.formats.RandomModel;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.runtime.CpuBackend;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Q8Activations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole models in K-quants (random weights of a shape whose rows are whole super-blocks): the
 * converter's type mix, and logits close to those of the same weights expanded to float32, for a
 * batch and for decode steps, which exercises the expert slices, the LM head and the embedding
 * rows. The products quantize activations to 8 bits per block of 32 (as llama.cpp does), so the
 * reference is the same model with every K-quant matrix expanded to float32 and multiplied in
 * float with the activations as the kernels quantize them: the same sums up to float32 rounding.
 * Logits agree to ~1e-6 until an activation that the two runs compute 1e-7 apart sits on a
 * rounding boundary of the 8-bit quantization and lands one step apart (seen once, with the
 * plain-Java kernels: 0.017 from that position on), so the bound is 0.05. Against the float
 * activations themselves a nearly tied router can flip a token's expert (the Q6_K model does at
 * one position, 0.4 off there); a wrong scale, min or bit order moves every logit by its own size.
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
                int[] ids = {1, 17, 400, 3, 999, 250, 42, 7};
                // first through the CPU backend, which packs the packable matrices at load (and releases
                // their mapped source pages); below, the same bits from the kernels used directly
                Decoder viaBackend = CpuBackend.INSTANCE.open(m.config(), m.weights(), 32, 16, null);
                float[] emb = new float[ids.length * m.config().hidden()], c = new float[ids.length * m.config().vocabSize()];
                viaBackend.embed(ids, 0, ids.length, emb);
                viaBackend.forward(emb, ids.length, 0, c, true);
                // the reference: every K-quant matrix expanded to float32, multiplied (in float) with
                // the activations as the kernels quantize them; F32 matrices (the router) as they are
                Set<Matrix> expanded = Collections.newSetFromMap(new IdentityHashMap<>());
                Weights ref = Q4ReferenceTest.dequantized(m.weights(), expanded);
                Kernels refKernels = new QuantizedActivations(expanded);
                float[] a = logits(m.config(), m.weights(), CpuKernels.INSTANCE, ids), b = logits(m.config(), ref, refKernels, ids);
                float worst = 0;
                for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
                System.out.printf("%s model vs float32 products of its expansion and the quantized activations: max |logit diff| %.2g%n", type, worst);
                assertTrue(worst < 0.05f, type + " max |logit diff| " + worst);
                float[] one = decodeLast(m.config(), m.weights(), CpuKernels.INSTANCE, ids), oneRef = decodeLast(m.config(), ref, refKernels, ids);
                int v = m.config().vocabSize();
                for (int i = 0; i < v; i++) {
                    assertEquals(oneRef[i], one[i], 0.05f, type + " decode logit " + i);
                    assertEquals(a[(ids.length - 1) * v + i], one[i], 1e-4f, type + " decode vs batch, logit " + i);
                }
                double spread = 0;
                for (float x : one) spread = Math.max(spread, Math.abs(x));
                assertTrue(spread > 0.01, "logits are not all zero");
                for (int i = 0; i < c.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(c[i]), type + " backend logit " + i);
            }
        }
    }

    /** CPU products, with x replaced by its Q8_0 round trip (d_x·q_x per block) for the matrices in {@code quantized}. */
    record QuantizedActivations(Set<Matrix> quantized) implements Kernels {
        @Override
        public void matmul(Matrix w, float[] x, int tokens, float[] out) {
            if (!quantized.contains(w)) {
                CpuKernels.INSTANCE.matmul(w, x, tokens, out);
                return;
            }
            int n = w.cols();
            Q8Activations q = new Q8Activations().quantize(x, 0, tokens, n, false);
            float[] xr = new float[tokens * n];
            for (int i = 0; i < xr.length; i++) xr[i] = q.scale(i / 32) * q.quant(i);
            CpuKernels.INSTANCE.matmul(w, xr, tokens, out);
        }

        @Override public String name() { return "quantized-activation reference"; }
    }

    static float[] logits(ModelConfig c, Weights w, Kernels k, int[] ids) {
        Forward f = new Forward(c, w, k, 32, 16);
        float[] emb = new float[ids.length * c.hidden()], out = new float[ids.length * c.vocabSize()];
        f.embed(ids, 0, ids.length, emb);
        f.forward(emb, ids.length, 0, out, true);
        return out;
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
    static float[] decodeLast(ModelConfig c, Weights w, Kernels k, int[] ids) {
        Forward f = new Forward(c, w, k, 32, 16);
        float[] emb = new float[c.hidden()], out = new float[c.vocabSize()];
        for (int i = 0; i < ids.length; i++) {
            f.embed(ids, i, 1, emb);
            f.forward(emb, 1, i, out, false);
        }
        return out;
    }
}
