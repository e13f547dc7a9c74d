package dev.unimoe.tornado;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Model;
import dev.unimoe.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A prompt longer than a work-group's 64 lanes and than one prefill chunk: every row's logits
 * stepwise, the last row's from one forward call over the whole prompt (chunks of 32, 32, 32 and 4
 * rows; positions rewritten), and decode steps after it, all against the CPU decoder (tolerance as
 * in {@link EndToEndTest}).
 */
class LongPromptTest {
    @Test
    void longPromptStepwiseWholeAndDecodeMatchCpu() throws Exception {
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
                    EndToEndTest.assertClose(Arrays.copyOfRange(want, t * V, (t + 1) * V), Arrays.copyOfRange(got, t * V, (t + 1) * V), 1e-3f,
                            "stepwise row " + t);
                }
                float[] last = new float[V];
                d.forward(emb, T, 0, last, false);                 // the whole prompt in one call, batched
                EndToEndTest.assertClose(Arrays.copyOfRange(want, (T - 1) * V, T * V), last, 1e-3f, "last row");
                float[] row = new float[H], a = new float[V], b = new float[V];
                for (int s = 0; s < 3; s++) {                      // decode after it
                    cpu.embed(new int[]{(ids[s] * 7 + 11) % V}, 0, 1, row);
                    cpu.forward(row, 1, T + s, a, false);
                    d.forward(row, 1, T + s, b, false);
                    EndToEndTest.assertClose(a, b, 1e-3f, "decode step " + s + " after the prompt");
                }
            }
        }
    }
}
