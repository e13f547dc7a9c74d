package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;

/**
 * A pre-LN Whisper decoder layer as Uni-MoE's aligner runs it: causal self-attention among the
 * query rows, cross-attention to every encoder row, then the MLP, each with a residual.
 */
public record WhisperDecoderLayer(LayerNorm selfNorm, MultiHeadAttention selfAttn, LayerNorm crossNorm, MultiHeadAttention crossAttn,
                                  LayerNorm mlpNorm, Linear fc1, Linear fc2, Activation act) {

    static WhisperDecoderLayer load(TensorSource w, String n, WhisperConfig cfg) {
        int d = cfg.dModel(), heads = cfg.decoderHeads();
        return new WhisperDecoderLayer(
                LayerNorm.load(w, n + "self_attn_layer_norm", d, WhisperConfig.EPS),
                MultiHeadAttention.load(w, n + "self_attn", d, heads, false),
                LayerNorm.load(w, n + "encoder_attn_layer_norm", d, WhisperConfig.EPS),
                MultiHeadAttention.load(w, n + "encoder_attn", d, heads, false),
                LayerNorm.load(w, n + "final_layer_norm", d, WhisperConfig.EPS),
                Linear.load(w, n + "fc1", cfg.decoderFfn(), d, true),
                Linear.load(w, n + "fc2", d, cfg.decoderFfn(), true),
                cfg.act());
    }

    /** Applies the layer in place to tq rows of x, attending to {@code tk} encoder rows of {@code memory}. */
    public void forward(Kernels k, float[] x, int tq, float[] memory, int tk) {
        int d = selfAttn.width();
        EncoderOps.add(x, selfAttn.self(k, selfNorm.apply(x, tq), tq, true), tq * d);
        float[] keys = crossAttn.keys(k, memory, tk), values = crossAttn.values(k, memory, tk);
        EncoderOps.add(x, crossAttn.cross(k, crossNorm.apply(x, tq), tq, keys, values, tk), tq * d);
        EncoderOps.add(x, EncoderLayer.mlp(k, fc1, fc2, act, mlpNorm.apply(x, tq), tq), tq * d);
    }
}
