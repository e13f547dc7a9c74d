package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;

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
        act.applyRows(f, t, fc1.out());
        return fc2.apply(k, f, t);
    }
}
