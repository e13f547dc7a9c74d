package dev.unimoe.tornado;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A prompt longer than a work-group's 64 lanes: every row's logits stepwise, the last row's from
 * one forward call over the whole prompt (positions rewritten), and decode steps after it, all
 * against the CPU decoder (tolerance as in {@link EndToEndTest}).
 */
class LongPromptTest {
    @Test
    void longPromptStepwiseBatchedAndDecodeMatchCpu() throws Exception {
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null)) {
            ModelConfig c = m.config();
            int T = 100, V = c.vocabSize(), H = c.hidden(), ctx = 128;
            int[] ids = new SplittableRandom(3).ints(T, 100, V).toArray();
            Forward cpu = new Forward(c, m.weights(), CpuKernels.INSTANCE, ctx, 16);
            float[] emb = new float[T * H];
            cpu.embed(ids, 0, T, emb);
            float[] want = new float[T * V];
            cpu.forward(emb, T, 0, want, true);
            try (Decoder d = new TornadoBackend().open(c, m.weights(), ctx, 32, "0")) {
                float[] got = new float[T * V];
                d.forward(emb, T, 0, got, true);                   // stepwise, every row
                for (int t = 0; t < T; t++) {
                    float worst = 0f;
                    for (int v = 0; v < V; v++) worst = Math.max(worst, Math.abs(want[t * V + v] - got[t * V + v]));
                    assertTrue(worst <= 1e-3f, "stepwise row " + t + ": max |diff| " + worst);
                }
                float[] last = new float[V];
                d.forward(emb, T, 0, last, false);                 // the whole prompt in one call
                float worst = 0f;
                for (int v = 0; v < V; v++) worst = Math.max(worst, Math.abs(want[(T - 1) * V + v] - last[v]));
                assertTrue(worst <= 1e-3f, "last row: max |diff| " + worst);
                float[] row = new float[H], a = new float[V], b = new float[V];
                for (int s = 0; s < 3; s++) {                      // decode after it
                    int id = (ids[s] * 7 + 11) % V;
                    cpu.embed(new int[]{id}, 0, 1, row);
                    cpu.forward(row, 1, T + s, a, false);
                    d.forward(row, 1, T + s, b, false);
                    float w2 = 0f;
                    for (int v = 0; v < V; v++) w2 = Math.max(w2, Math.abs(a[v] - b[v]));
                    assertTrue(w2 <= 1e-3f, "decode step " + s + " after the prompt: max |diff| " + w2);
                }
            }
        }
    }
}
