package dev.unimoe.model;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.GgufConverter;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Q4_0 model computed on its packed nibbles against our own dequantize-then-multiply
 * reference: the same weights expanded to float32 and run through the same forward pass.
 * The only difference left is the Q8_0 quantization of activations that the quantized kernels
 * apply (as llama.cpp does): a relative error of about 1/254 per activation block. Through two
 * layers and a near-tied router this moves single logits (magnitude ~3) by up to ~0.07, so we
 * bound the worst logit at 0.15 and the mean at 0.02 (observed 0.068 and 0.008): a wrong block, scale or nibble order
 * shifts every logit by far more.
 */
class Q4ReferenceTest {
    @TempDir Path dir;

    @Test
    void q4LogitsMatchDequantizedReference() {
        Path q4 = dir.resolve("m-q4_0.gguf");
        GgufConverter.convert(Fixtures.path("moe-mixtral"), q4, DType.Q4_0, null);
        try (Model m = Model.load(q4, null)) {
            assertEquals(DType.Q4_0, m.weights().layers()[0].expertGate()[0].tensor().type());
            Weights ref = dequantized(m.weights());
            int[] ids = {1, 661, 403, 272, 1489, 302, 2421, 28725, 378, 403, 272, 8748, 302, 2421};
            float[] a = logits(m.config(), m.weights(), ids), b = logits(m.config(), ref, ids);
            float worst = 0;
            double sum = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                sum += Math.abs(a[i] - b[i]);
            }
            double mean = sum / a.length;
            System.out.printf("Q4_0 on packed nibbles vs dequantized float32 reference: max |logit diff| = %.4f, mean %.5f%n", worst, mean);
            assertTrue(worst < 0.15f, "max |diff| " + worst);
            assertTrue(mean < 0.02, "mean |diff| " + mean);
            assertTrue(worst > 0f, "the quantized path really ran (activations are quantized, so not bit-equal)");
        }
    }

    static float[] logits(ModelConfig c, Weights w, int[] ids) {
        Forward f = new Forward(c, w, CpuKernels.INSTANCE, 32, 16);
        float[] emb = new float[ids.length * c.hidden()], out = new float[ids.length * c.vocabSize()];
        f.embed(ids, 0, ids.length, emb);
        f.forward(emb, ids.length, 0, out, true);
        return out;
    }

    static Weights dequantized(Weights w) {
        return dequantized(w, new java.util.HashSet<>());
    }

    /**
     * The weights with every matrix widened to float32; the widened copies of quantized matrices
     * (not of F32/F16/BF16 ones) are added to {@code fromQuantized}.
     */
    static Weights dequantized(Weights w, java.util.Set<Matrix> fromQuantized) {
        java.util.function.UnaryOperator<Matrix> f32 = m -> {
            if (m == null) return null;
            float[] v = new float[m.rows() * m.cols()];
            m.tensor().dequantize(m.offset(), v, 0, v.length);
            Matrix out = Matrix.of(F32Tensor.wrap(v), m.rows(), m.cols());
            if (m.tensor().type().quantized()) fromQuantized.add(out);
            return out;
        };
        java.util.function.UnaryOperator<Matrix[]> all = ms -> {
            if (ms == null) return null;
            Matrix[] out = new Matrix[ms.length];
            for (int i = 0; i < ms.length; i++) out[i] = f32.apply(ms[i]);
            return out;
        };
        LayerWeights[] ls = new LayerWeights[w.layers().length];
        for (int i = 0; i < ls.length; i++) {
            LayerWeights l = w.layers()[i];
            ls[i] = new LayerWeights(l.attnNorm(), f32.apply(l.wq()), f32.apply(l.wk()), f32.apply(l.wv()), f32.apply(l.wo()), l.bq(), l.bk(), l.bv(),
                    l.ffnNorm(), f32.apply(l.router()), all.apply(l.expertGate()), all.apply(l.expertUp()), all.apply(l.expertDown()),
                    f32.apply(l.sharedGate()), f32.apply(l.sharedUp()), f32.apply(l.sharedDown()), f32.apply(l.sharedExpertGate()),
                    f32.apply(l.ffnGate()), f32.apply(l.ffnUp()), f32.apply(l.ffnDown()));
        }
        return new Weights(f32.apply(w.embedding()), ls, w.finalNorm(), f32.apply(w.lmHead()));
    }
}
