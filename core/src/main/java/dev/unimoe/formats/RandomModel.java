package dev.unimoe.formats;

import dev.unimoe.model.ModelConfig;
import dev.unimoe.tensor.DType;

import java.nio.file.Path;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Writes a GGUF of any shape with random weights, for benchmarks and tests: the same tensor
 * names, shapes, metadata and type policy as {@link GgufConverter}, values generated and
 * quantized chunk by chunk (in parallel) while streaming to disk, so no tensor is ever held
 * whole in memory.
 *
 * <p>Values (deterministic for a seed, whatever the thread count): linear weights
 * ≈ N(0, (0.5/√in)²) — about N(0, 0.02²) at in = 640, and scaled with the input width so that a
 * matrix-vector product keeps activations of order one; embeddings ≈ N(0, 0.02²); biases
 * ≈ N(0, 0.02²); norm weights 1 + N(0, 0.02²). "≈ N" is the sum of four 16-bit uniforms
 * (Irwin–Hall), which is fast and close enough to normal for timing and smoke tests.
 */
public final class RandomModel {
    private RandomModel() {}

    /**
     * Writes the model. {@code tokenizerDirOrNull} (a folder with tokenizer.json) embeds that
     * tokenizer, whose size must equal {@code cfg.vocabSize()} (else {@link FormatException});
     * null writes no tokenizer keys.
     */
    public static void write(ModelConfig cfg, DType type, long seed, Path tokenizerDirOrNull, Path out, DoubleConsumer progress) {
        if (!GgufConverter.TYPES.contains(type)) throw new IllegalArgumentException("cannot write " + type + "; choose one of " + GgufConverter.TYPE_NAMES);
        String arch = GgufConverter.ggufArchitecture(cfg.architecture());
        boolean hasOutput = !cfg.tieEmbeddings();
        try (GgufWriter w = new GgufWriter(out)) {
            w.onProgress(progress);
            GgufConverter.writeModelMetadata(w, cfg, arch, "random-" + arch, type);
            if (tokenizerDirOrNull != null) {
                if (!GgufVocab.present(tokenizerDirOrNull)) {
                    throw new FormatException(tokenizerDirOrNull.resolve("tokenizer.json").toString(), "file not found (tokenizer folder given)");
                }
                GgufVocab.write(w, tokenizerDirOrNull, cfg.vocabSize(), true, System.err);
            }
            List<GgufConverter.Planned> plan = GgufConverter.plan(cfg, arch, hasOutput);
            for (GgufConverter.Planned p : plan) {
                w.addTensor(p.name(), GgufConverter.tensorType(p.name(), p.ne(), type, cfg.experts(), hasOutput, System.err), p.ne());
            }
            for (int i = 0; i < plan.size(); i++) {
                GgufConverter.Planned p = plan.get(i);
                long tensorSeed = mix(seed ^ mix(0x9E3779B97F4A7C15L * (i + 1)));
                float mean = p.role() == GgufConverter.Role.NORM ? 1f : 0f;
                float std = switch (p.role()) {
                    case NORM, EMBED, Q_BIAS, K_BIAS, V_BIAS -> 0.02f;
                    default -> (float) (0.5 / Math.sqrt(p.ne()[0]));
                };
                int cols = (int) p.ne()[0];
                w.writeTensor(p.name(), (r0, count, dst) -> {
                    for (int k = 0; k < count; k++) fillRow(mix(tensorSeed + r0 + k), dst, k * cols, cols, mean, std);
                });
            }
            w.finish();
        }
    }

    private static final float IRWIN_HALL_SCALE = (float) (1.0 / Math.sqrt(4.0 * (65536.0 * 65536.0 - 1.0) / 12.0));

    private static void fillRow(long state, float[] dst, int off, int n, float mean, float std) {
        float s = std * IRWIN_HALL_SCALE;
        for (int i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;
            long x = mix(state);
            long sum = (x & 0xFFFF) + ((x >>> 16) & 0xFFFF) + ((x >>> 32) & 0xFFFF) + (x >>> 48);
            dst[off + i] = mean + (sum - 131070L) * s;
        }
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
