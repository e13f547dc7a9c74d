package dev.unimoe.tornado;

import dev.unimoe.formats.RandomModel;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.tensor.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;

/**
 * A random model in each K-quant (rows of whole 256-value super-blocks) on the device, where its
 * matrices are expanded and rounded to half, against the CPU on the same weights expanded to
 * float32 (float activations: the CPU's own K-quant kernels quantize activations to 8 bits, as
 * llama.cpp does, which the device does not). The only difference is the half rounding (relative
 * ≤ 2⁻¹¹ per weight, random in sign): on logits of magnitude ~1 it was observed at 6–9e-4 after
 * two layers; we bound 1e-2, far below what a wrong layout would do (an unexpanded or misordered
 * matrix changes logits by their own size).
 */
class KQuantDeviceTest {
    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantModelOnTheDevice(DType type) throws Exception {
        ModelConfig shape = new ModelConfig("mixtral", 1000, 256, 2, 4, 2, 64, 512, 4, 2, 512, 0, true, false,
                1e-5f, 10000f, 4096, ModelConfig.uniform(2, true), false, false);
        Path p = dir.resolve("m.gguf");
        RandomModel.write(shape, type, 11, null, p, null);
        try (Model m = Model.load(p, null); Decoder d = new TornadoBackend().open(m.config(), m.weights(), 64, 4, null)) {
            ModelConfig c = m.config();
            int[] prompt = {1, 17, 400, 3, 999, 250};
            Forward cpu = new Forward(c, ConvertedWeights.to(DType.F32, m.weights()), CpuKernels.INSTANCE, 64, 16);
            float[] emb = new float[prompt.length * c.hidden()];
            d.embed(prompt, 0, prompt.length, emb);
            float[] got = new float[c.vocabSize()], want = new float[c.vocabSize()];
            d.forward(emb, prompt.length, 0, got, false);
            cpu.forward(emb, prompt.length, 0, want, false);
            EndToEndTest.assertClose(want, got, 1e-2f, type + " last-row logits, device (half) vs CPU (float32 expansion)");
            float[] one = new float[c.hidden()];
            d.embed(new int[] {42}, 0, 1, one);
            d.forward(one, 1, prompt.length, got, false);
            cpu.forward(one, 1, prompt.length, want, false);
            EndToEndTest.assertClose(want, got, 1e-2f, type + " decode-step logits, device vs CPU");
        }
    }
}
