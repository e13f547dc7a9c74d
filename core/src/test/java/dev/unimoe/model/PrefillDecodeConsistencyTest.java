package dev.unimoe.model;

import dev.unimoe.Fixtures;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A prompt run as one batch (expert-grouped MoE, matrix-matrix kernels), in uneven chunks, or one
 * token at a time (decode path) gives bit-identical logits: the kernels' per-token results do not
 * depend on the batch, and expert outputs are summed in the same order on every path.
 */
class PrefillDecodeConsistencyTest {
    @ParameterizedTest
    @ValueSource(strings = {"moe-mixtral", "moe-qwen2", "moe-mixtral/model-q8_0.gguf"})
    void batchAndStepwiseAgree(String fixture) {
        String[] p = fixture.split("/");
        try (Model m = Model.load(p.length == 1 ? Fixtures.path(p[0]) : Fixtures.path(p[0], p[1]), null)) {
            ModelConfig c = m.config();
            int[] ids = {1, 661, 403, 272, 1489, 302, 2421, 28725, 378, 403, 272, 8748, 302, 2421};
            int T = ids.length, H = c.hidden(), V = c.vocabSize();
            float[] emb = new float[T * H];
            Forward whole = new Forward(c, m.weights(), CpuKernels.INSTANCE, 32, 32);
            whole.embed(ids, 0, T, emb);
            float[] batched = new float[T * V];
            whole.forward(emb, T, 0, batched, true);
            Forward chunks = new Forward(c, m.weights(), CpuKernels.INSTANCE, 32, 5);
            float[] chunked = new float[T * V];
            chunks.forward(emb, T, 0, chunked, true);
            assertArrayEquals(batched, chunked, "chunks of 5");
            Forward steps = new Forward(c, m.weights(), CpuKernels.INSTANCE, 32, 1);
            float[] row = new float[V], one = new float[H];
            for (int t = 0; t < T; t++) {
                System.arraycopy(emb, t * H, one, 0, H);
                steps.forward(one, 1, t, row, false);
                assertArrayEquals(java.util.Arrays.copyOfRange(batched, t * V, (t + 1) * V), row, "position " + t);
            }
        }
    }
}
