package dev.unimoe.tornado;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Generator;
import dev.unimoe.model.LayerWeights;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.model.Weights;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Sparse and dense layers interleaved (Qwen2-MoE's decoder_sparse_step / mlp_only_layers): the
 * moe-qwen2 fixture's two MoE layers (with the shared expert) each followed by a dense layer made
 * of one of its experts. A dense layer's graph uses fewer shared buffers than a sparse one, and
 * the next sparse layer must still find them. Against the CPU decoder on the same weights.
 */
class MixedLayersTest {
    @Test
    void sparseDenseSparseDenseMatchesCpu() throws Exception {
        try (Model m = Model.load(TestFixtures.path("moe-qwen2"), null);
             Safetensors ref = Safetensors.open(TestFixtures.path("moe-qwen2", "references.safetensors"))) {
            ModelConfig c0 = m.config();
            Weights w0 = m.weights();
            LayerWeights[] ls = new LayerWeights[4];
            for (int i = 0; i < 2; i++) {
                LayerWeights s = w0.layers()[i];
                ls[2 * i] = s;
                ls[2 * i + 1] = new LayerWeights(s.attnNorm(), s.wq(), s.wk(), s.wv(), s.wo(), s.bq(), s.bk(), s.bv(), s.ffnNorm(),
                        null, null, null, null, null, null, null, null, s.expertGate()[i], s.expertUp()[i], s.expertDown()[i]);
            }
            ModelConfig c = new ModelConfig(c0.architecture(), c0.vocabSize(), c0.hidden(), 4, c0.heads(), c0.kvHeads(), c0.headDim(),
                    c0.expertFfn(), c0.experts(), c0.expertsPerToken(), c0.expertFfn(), c0.sharedExpertFfn(), c0.normTopkProb(), c0.qkvBias(),
                    c0.rmsEps(), c0.ropeTheta(), c0.contextLength(), new boolean[]{true, false, true, false}, c0.tieEmbeddings(), c0.ropePairwise());
            Weights w = new Weights(w0.embedding(), ls, w0.finalNorm(), w0.lmHead());
            int[] prompt = TestFixtures.ints(ref, "p1.input_ids");
            try (Decoder d = new TornadoBackend().open(c, w, 64, 4, "0")) {
                Forward cpu = new Forward(c, w, CpuKernels.INSTANCE, 64, 16);
                float[] emb = new float[prompt.length * c.hidden()];
                d.embed(prompt, 0, prompt.length, emb);
                float[] got = new float[c.vocabSize()], want = new float[c.vocabSize()];
                d.forward(emb, prompt.length, 0, got, false);
                cpu.forward(emb, prompt.length, 0, want, false);
                EndToEndTest.assertClose(want, got, 1e-3f, "last-row logits vs CPU");
                int[] a = new Generator(d).generate(prompt, 12, Sampler.greedy(), null, null).generated();
                int[] b = new Generator(cpu).generate(prompt, 12, Sampler.greedy(), null, null).generated();
                assertArrayEquals(b, a, "greedy ids vs CPU");
            }
        }
    }
}
