package dev.unimoe.model;

import dev.unimoe.Fixtures;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Uni-MoE language model (LLaMA with a top-2 MoE in every layer, softmax over the two
 * selected router logits) on the spliced input embeddings of the reference: every layer, every
 * routing choice, the logits at every position (top-16, log-sum-exp, probes) and the greedy
 * continuation. Relative tolerance 1e-4 of the largest reference value (the fixture's suggested
 * acceptance for float32; its independent float64 re-implementation is within 1.5e-6).
 */
class UniMoeDecoderTest {
    @ParameterizedTest
    @ValueSource(strings = {"a_image", "b_audio", "c_image_audio", "d_video"})
    void decoderMatchesReference(String k) {
        try (Model m = Model.load(Fixtures.path("unimoe-tiny"), null);
             References ref = new References(Fixtures.path("unimoe-tiny", "reference.safetensors"))) {
            ModelConfig c = m.config();
            assertEquals("unimoe", c.architecture());
            float[] emb = ref.floats(k + ".inputs_embeds");
            int H = c.hidden(), T = emb.length / H, V = c.vocabSize(), K = c.expertsPerToken(), E = c.experts();
            Map<String, float[]> got = new HashMap<>();
            Map<String, int[]> ids = new HashMap<>();
            Forward f = new Forward(c, m.weights(), CpuKernels.INSTANCE, 256, 32);
            f.setTrace(new Trace() {
                void put(String name, float[] src, int pos, int rows, int width) {
                    System.arraycopy(src, 0, got.computeIfAbsent(name, x -> new float[T * width]), pos * width, rows * width);
                }
                @Override public void layerOutput(int l, int pos, float[] x, int n) { put("layer_output." + l, x, pos, n, H); }
                @Override public void finalNorm(int pos, float[] x, int n) { put("final_norm", x, pos, n, H); }
                @Override public void routing(int l, int pos, float[] lg, int[] rid, float[] rw, int n) {
                    put("router_logits." + l, lg, pos, n, E);
                    put("router_topk_weights." + l, rw, pos, n, K);
                    System.arraycopy(rid, 0, ids.computeIfAbsent("router_topk_ids." + l, x -> new int[T * K]), pos * K, n * K);
                }
            });
            float[] logits = new float[T * V];
            f.forward(emb, T, 0, logits, true);
            for (int l = 0; l < c.layers(); l++) {
                for (String name : new String[]{"layer_output." + l, "router_logits." + l, "router_topk_weights." + l}) {
                    assertRelClose(ref.floats(k + "." + name), got.get(name), k + " " + name);
                }
                assertArrayEquals(ref.ints(k + ".router_topk_ids." + l), ids.get("router_topk_ids." + l), k + " router ids layer " + l);
            }
            assertRelClose(ref.floats(k + ".final_norm"), got.get("final_norm"), k + " final_norm");
            checkLogitRows(ref, k, "logits", logits, T, V);
            f.setTrace(null);
            // greedy continuation with the KV cache, from the last prompt row's logits
            int[] expected = ref.ints(k + ".generated_ids");
            float[] last = java.util.Arrays.copyOfRange(logits, (T - 1) * V, T * V);
            float[] one = new float[H];
            for (int s = 0; s < expected.length; s++) {
                int next = Sampler.argmax(last);
                assertEquals(expected[s], next, k + " greedy step " + s);
                f.embed(new int[]{next}, 0, 1, one);
                f.forward(one, 1, T + s, last, false);
            }
        }
    }

    /** Each row pinned by its top-16 logits, log-sum-exp over the vocabulary, and 64 probe logits. */
    static void checkLogitRows(References ref, String k, String what, float[] logits, int T, int V) {
        float[] topV = ref.floats(k + "." + what + "_topk_values");
        int[] topI = ref.ints(k + "." + what + "_topk_ids");
        float[] lse = ref.floats(k + "." + what + "_logsumexp");
        float[] probe = ref.floats(k + "." + what + "_probe");
        int[] probeIds = ref.ints("logits_probe_ids");
        float scale = 0;
        for (float v : topV) scale = Math.max(scale, Math.abs(v));
        float tol = 1e-4f * scale;
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < 16; j++) {
                assertTrue(Math.abs(logits[t * V + topI[t * 16 + j]] - topV[t * 16 + j]) <= tol, k + " row " + t + " top-" + j);
            }
            assertEquals(topI[t * 16], Sampler.argmax(logits, t * V, V), k + " argmax row " + t);
            double mx = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < V; v++) mx = Math.max(mx, logits[t * V + v]);
            for (int v = 0; v < V; v++) sum += Math.exp(logits[t * V + v] - mx);
            assertEquals(lse[t], mx + Math.log(sum), tol, k + " logsumexp row " + t);
            for (int j = 0; j < probeIds.length; j++) {
                assertEquals(probe[t * probeIds.length + j], logits[t * V + probeIds[j]], tol, k + " probe row " + t);
            }
        }
    }

    static void assertRelClose(float[] expected, float[] actual, String what) {
        assertTrue(actual != null, what + " not produced");
        assertEquals(expected.length, actual.length, what + " length");
        float scale = 0, worst = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        assertTrue(worst <= 1e-4f * scale, what + ": max |diff| " + worst + " > 1e-4 × " + scale);
    }
}
