package dev.unimoe.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The generation loop: one batched prefill of the prompt (ids or ready embeddings), then one
 * token at a time until max tokens or an end-of-sequence id, recording each step's top-5 logits.
 */
public final class Generator {
    /** One generated token and the five highest logits of the distribution it was drawn from. */
    public record Step(int id, int[] topIds, float[] topLogits) {}

    public record Result(int[] generated, List<Step> steps, int promptTokens, long prefillNanos, long decodeNanos, boolean stoppedAtEos) {
        public double prefillTokensPerSecond() {
            return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
        }

        /** Decode speed over the tokens after the first (the first comes out of prefill). */
        public double decodeTokensPerSecond() {
            int n = generated.length - 1;
            return n <= 0 || decodeNanos == 0 ? 0 : n * 1e9 / decodeNanos;
        }
    }

    private final Decoder forward;
    private final ModelConfig c;

    public Generator(Decoder forward) {
        this.forward = forward;
        this.c = forward.config();
    }

    public Result generate(int[] prompt, int maxTokens, Sampler sampler, int[] stopIds, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        float[] emb = new float[prompt.length * c.hidden()];
        forward.embed(prompt, 0, prompt.length, emb);
        return generateFromEmbeddings(emb, prompt.length, maxTokens, sampler, stopIds, onToken);
    }

    /** As {@link #generate} for a prompt already embedded (text and media rows spliced), [T, H]. */
    public Result generateFromEmbeddings(float[] emb, int T, int maxTokens, Sampler sampler, int[] stopIds, IntConsumer onToken) {
        int ctx = forward.contextLength();
        if (T >= ctx) {
            throw new IllegalArgumentException("the prompt has " + T + " tokens but the context holds " + ctx + "; shorten it or raise --context");
        }
        int budget = Math.min(maxTokens, ctx - T);
        float[] logits = new float[c.vocabSize()];
        long t0 = System.nanoTime();
        forward.forward(emb, T, 0, logits, false);
        long prefill = System.nanoTime() - t0;
        List<Step> steps = new ArrayList<>();
        int[] out = new int[budget];
        int n = 0, pos = T;
        boolean eos = false;
        float[] one = new float[c.hidden()];
        long t1 = System.nanoTime();
        while (n < budget) {
            int id = sampler.sample(logits, 0, c.vocabSize());
            int[] top = Sampler.topIds(logits, 0, c.vocabSize(), 5);
            float[] topL = new float[top.length];
            for (int i = 0; i < top.length; i++) topL[i] = logits[top[i]];
            steps.add(new Step(id, top, topL));
            out[n++] = id;
            if (onToken != null) onToken.accept(id);
            if (contains(stopIds, id)) { eos = true; break; }
            if (n == budget) break;
            forward.embed(new int[]{id}, 0, 1, one);
            forward.forward(one, 1, pos++, logits, false);
        }
        long decode = System.nanoTime() - t1;
        return new Result(java.util.Arrays.copyOf(out, n), steps, T, prefill, decode, eos);
    }

    private static boolean contains(int[] a, int v) {
        if (a == null) return false;
        for (int x : a) if (x == v) return true;
        return false;
    }
}
