package dev.unimoe.tornado;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Generator;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.runtime.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-model greedy decoding through {@code TornadoBackend.open} and {@link Generator} on the
 * OpenCL device, against the HF references (greedy ids, last-row logits) and the CPU decoder.
 *
 * <p>Tolerances: the device kernels sum in a different order than the CPU (tree reductions over
 * 64 lanes vs the Vector API's lanes) and use float exp/sqrt instead of double; over 2 layers that
 * moves logits by ~1e-5 relative. HF ran in bf16-weights/float32 activations, and the core's own
 * CPU-vs-HF test uses 2e-3 absolute on these fixtures; we allow 5e-3 vs HF and 1e-3 vs the CPU
 * decoder. For the Q8_0 GGUF there is no HF-logit reference for the quantized weights; its
 * reference is the CPU {@link Forward} with float32 activations ({@link FloatActivationKernels}):
 * the default CPU kernels quantize activations to Q8_0 as llama.cpp does, which the device does
 * not, and that alone moves this fixture's logits by ~0.03 and flips a near-tie at step 19.
 * Greedy ids must then match exactly and logits within 1e-3.
 */
class EndToEndTest {
    static final int STEPS = 20;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"moe-mixtral/model.safetensors", "moe-qwen2/model.safetensors", "moe-mixtral/model-q8_0.gguf"})
    void greedyMatchesReferences(String what) throws Exception {
        Backend b = new TornadoBackend();
        assertNull(b.unavailableReason(), "TornadoVM must be usable in this test JVM");
        String fixture = what.substring(0, what.indexOf('/'));
        boolean gguf = what.endsWith(".gguf");
        var path = gguf ? TestFixtures.path(fixture, "model-q8_0.gguf") : TestFixtures.path(fixture);
        try (Model m = Model.load(path, null);
             Safetensors ref = Safetensors.open(TestFixtures.path(fixture, "references.safetensors"))) {
            ModelConfig c = m.config();
            int V = c.vocabSize();
            try (Decoder d = b.open(c, m.weights(), 64, 4, "0")) {     // prompts longer than 4 rows prefill in chunks
                d.setProfiling(true);                              // the check below that kernels ran on the device
                Forward cpu = new Forward(c, m.weights(), gguf ? new FloatActivationKernels() : CpuKernels.INSTANCE, 64, 16);
                for (int p = 0; p < 3; p++) {
                    int[] prompt = TestFixtures.ints(ref, "p" + p + ".input_ids");
                    int[] expected = TestFixtures.ints(ref, "p" + p + ".greedy_ids");
                    int T = prompt.length;
                    // last-row logits of the prompt
                    float[] emb = new float[T * c.hidden()];
                    d.embed(prompt, 0, T, emb);
                    float[] got = new float[V], want = new float[V];
                    d.forward(emb, T, 0, got, false);
                    cpu.forward(emb, T, 0, want, false);
                    assertClose(want, got, 1e-3f, what + " p" + p + " vs CPU");
                    if (!gguf) {
                        float[] hf = TestFixtures.floats(ref, "p" + p + ".logits");
                        assertClose(Arrays.copyOfRange(hf, (T - 1) * V, T * V), got, 5e-3f, what + " p" + p + " vs HF");
                    }
                    Generator.Result r = new Generator(d).generate(prompt, Math.min(STEPS, expected.length), Sampler.greedy(), null, null);
                    if (gguf) {
                        Generator.Result rc = new Generator(cpu).generate(prompt, Math.min(STEPS, expected.length), Sampler.greedy(), null, null);
                        assertArrayEquals(rc.generated(), r.generated(), what + " p" + p + " greedy ids vs CPU");
                    } else {
                        assertArrayEquals(Arrays.copyOf(expected, r.generated().length), r.generated(), what + " p" + p + " greedy ids vs HF");
                        assertEquals(Math.min(STEPS, expected.length), r.generated().length);
                    }
                }
                Map<String, Object> s = d.stats();
                System.out.println(what + " stats " + s);
                assertTrue(String.valueOf(s.get("device")).toLowerCase().contains("pthread") || String.valueOf(s.get("device")).contains("opencl"),
                        "device " + s.get("device"));
                assertTrue(((Number) s.get("kernel_ms")).doubleValue() > 0, "the device profiler saw no kernel time: " + s);
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        float worst = 0f;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, what + ": max |diff| " + worst + " at " + at + " (expected " + (at >= 0 ? expected[at] : 0)
                + ", got " + (at >= 0 ? actual[at] : 0) + ") > " + tol);
        System.out.println(what + ": max |diff| " + worst);
    }
}
