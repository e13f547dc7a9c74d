package dev.unimoe.tornado;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Generator;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.model.Weights;
import dev.unimoe.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The moe-mixtral fixture with its matrices re-stored as F16 (device: ShortArray, decoded in the
 * kernels), BF16 (widened to F32 at load) and Q4_0 (converted to Q8 at load), against the CPU
 * decoder with float32 activations on the same weights: 20 greedy ids equal, last-row logits
 * within 1e-3 (summation-order differences only, see {@link EndToEndTest}). The prompt goes
 * through the batched kernels of each layout, the generated tokens through the one-row ones.
 */
class FormatsEndToEndTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16", "Q4_0"})
    void mixtralInOtherFormats(DType type) throws Exception {
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null);
             Safetensors ref = Safetensors.open(TestFixtures.path("moe-mixtral", "references.safetensors"))) {
            ModelConfig c = m.config();
            Weights w = ConvertedWeights.to(type, m.weights());
            int[] prompt = TestFixtures.ints(ref, "p0.input_ids");
            try (Decoder d = new TornadoBackend().open(c, w, 64, 4, null)) {     // the prompt prefills in chunks of 4 rows
                Forward cpu = new Forward(c, w, new FloatActivationKernels(), 64, 16);
                float[] emb = new float[prompt.length * c.hidden()];
                d.embed(prompt, 0, prompt.length, emb);
                float[] got = new float[c.vocabSize()], want = new float[c.vocabSize()];
                d.forward(emb, prompt.length, 0, got, false);
                cpu.forward(emb, prompt.length, 0, want, false);
                EndToEndTest.assertClose(want, got, 1e-3f, type + " last-row logits vs CPU");
                int[] a = new Generator(d).generate(prompt, 20, Sampler.greedy(), null, null).generated();
                int[] b = new Generator(cpu).generate(prompt, 20, Sampler.greedy(), null, null).generated();
                assertArrayEquals(b, a, type + " greedy ids vs CPU");
            }
        }
    }
}
