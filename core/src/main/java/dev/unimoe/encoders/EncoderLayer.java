package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.kernels.Parallel;

/**
 * A pre-LN transformer encoder layer (CLIP, Whisper encoder):
 * {@code x += attn(LN1 x); x += fc2(act(fc1(LN2 x)))}, bidirectional attention.
 */
public record EncoderLayer(LayerNorm attnNorm, MultiHeadAttention attn, LayerNorm mlpNorm, Linear fc1, Linear fc2, Activation act) {

    /** Applies the layer in place to t rows of x. */
    public void forward(Kernels k, float[] x, int t) {
        int d = attn.width();
        EncoderOps.add(x, attn.self(k, attnNorm.apply(x, t), t, false), t * d);
        EncoderOps.add(x, mlp(k, fc1, fc2, act, mlpNorm.apply(x, t), t), t * d);
    }

    /** fc2(act(fc1(h))) for t rows. */
    static float[] mlp(Kernels k, Linear fc1, Linear fc2, Activation act, float[] h, int t) {
        float[] f = fc1.apply(k, h, t);
        int n = fc1.out();
        Parallel.forRange(t, Math.max(1, 16384 / n), (r0, r1) -> act.apply(f, r0 * n, (r1 - r0) * n));
        return fc2.apply(k, f, t);
    }
}
