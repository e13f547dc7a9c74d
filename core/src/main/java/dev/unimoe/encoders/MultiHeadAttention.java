package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.kernels.Parallel;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.Matrix;

/**
 * The attention of the CLIP and Whisper layers: q/k/v/out projections (Whisper's k_proj has no
 * bias), {@code heads} heads of {@code d / heads}, scale 1/√hd, float32 softmax. Self-attention
 * is bidirectional (encoders) or causal (the aligner's query rows); cross-attention lets the
 * query rows see every row of a memory (the Whisper encoder output).
 *
 * <p>Both products of each head, Q·Kᵀ and P·V, run through {@link Kernels#matmul} like the
 * projections, with the activations wrapped as F32 "weights": K_h [tk, hd] for the scores and
 * V_hᵀ [hd, tk] for the weighted sum. They are a quarter of the Whisper encoder's FLOPs (1500
 * rows attend to 1500) and a twelfth of CLIP ViT-L's, so a backend that accelerates matmul
 * accelerates them too.
 */
public record MultiHeadAttention(Linear q, Linear k, Linear v, Linear out, int heads) {
    public MultiHeadAttention {
        int d = q.out();
        if (d % heads != 0) throw new IllegalArgumentException("attention width " + d + " is not a multiple of " + heads + " heads");
        if (k.out() != d || v.out() != d || out.in() != d) throw new IllegalArgumentException("q/k/v/out widths differ");
    }

    /**
     * {@code name.{q,k,v,out}_proj}, all [d, d]; {@code keyBias} false for Whisper, whose
     * k_proj has no bias.
     */
    public static MultiHeadAttention load(TensorSource src, String name, int d, int heads, boolean keyBias) {
        return new MultiHeadAttention(
                Linear.load(src, name + ".q_proj", d, d, true),
                Linear.load(src, name + ".k_proj", d, d, keyBias),
                Linear.load(src, name + ".v_proj", d, d, true),
                Linear.load(src, name + ".out_proj", d, d, true),
                heads);
    }

    public int width() { return q.out(); }

    /** Self-attention of t rows of (normalised) x; returns the out-projected [t, d]. */
    public float[] self(Kernels kn, float[] x, int t, boolean causal) {
        float[] qx = q.apply(kn, x, t), kx = k.apply(kn, x, t), vx = v.apply(kn, x, t);
        float[] a = new float[t * width()];
        attend(kn, qx, t, kx, vx, t, heads, causal, a);
        return out.apply(kn, a, t);
    }

    /** Cross-attention of tq rows of x to a memory already projected by {@link #keys}/{@link #values}. */
    public float[] cross(Kernels kn, float[] x, int tq, float[] memKeys, float[] memValues, int tk) {
        float[] qx = q.apply(kn, x, tq);
        float[] a = new float[tq * width()];
        attend(kn, qx, tq, memKeys, memValues, tk, heads, false, a);
        return out.apply(kn, a, tq);
    }

    public float[] keys(Kernels kn, float[] memory, int tk) { return k.apply(kn, memory, tk); }

    public float[] values(Kernels kn, float[] memory, int tk) { return v.apply(kn, memory, tk); }

    /**
     * softmax(q·kᵀ/√hd [+ causal mask])·v per head, heads concatenated: q [tq, d], k and v
     * [tk, d], out [tq, d]. With {@code causal} query row i sees key rows 0…i.
     */
    public static void attend(Kernels kn, float[] q, int tq, float[] k, float[] v, int tk, int heads, boolean causal, float[] out) {
        int d = q.length / tq, hd = d / heads;
        if (q.length != tq * d || d % heads != 0 || k.length != tk * d || v.length != tk * d || out.length != tq * d) {
            throw new IllegalArgumentException("attention: q " + q.length + ", k " + k.length + ", v " + v.length + ", out " + out.length
                    + " floats for " + tq + " query rows, " + tk + " key rows, " + heads + " heads");
        }
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] qh = new float[tq * hd], kh = new float[tk * hd], vt = new float[hd * tk];
        float[] scores = new float[tq * tk], oh = new float[tq * hd];
        Matrix keys = Matrix.of(F32Tensor.wrap(kh), tk, hd);
        Matrix valuesT = Matrix.of(F32Tensor.wrap(vt), hd, tk);
        for (int h = 0; h < heads; h++) {
            int c0 = h * hd;
            for (int i = 0; i < tq; i++) System.arraycopy(q, i * d + c0, qh, i * hd, hd);
            for (int j = 0; j < tk; j++) System.arraycopy(k, j * d + c0, kh, j * hd, hd);
            for (int j = 0; j < tk; j++) {
                for (int c = 0; c < hd; c++) vt[c * tk + j] = v[j * d + c0 + c];
            }
            kn.matmul(keys, qh, tq, scores);                      // scores[i, j] = q_i · k_j
            Parallel.forRange(tq, Math.max(1, 8192 / tk), (r0, r1) -> {
                for (int i = r0; i < r1; i++) {
                    int len = causal ? Math.min(i + 1, tk) : tk;
                    EncoderOps.softmax(scores, i * tk, len, scale);
                    java.util.Arrays.fill(scores, i * tk + len, (i + 1) * tk, 0f);
                }
            });
            kn.matmul(valuesT, scores, tq, oh);                   // oh[i, c] = Σ_j p_ij · v_jc
            for (int i = 0; i < tq; i++) System.arraycopy(oh, i * hd, out, i * d + c0, hd);
        }
    }
}
