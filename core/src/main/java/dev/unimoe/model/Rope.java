package dev.unimoe.model;

/**
 * Rotary position embedding with a precomputed cos/sin table. {@code pairwise} rotates adjacent
 * pairs (2i, 2i+1), the layout llama.cpp's converter gives LLaMA q/k rows; otherwise HF's
 * rotate_half pairs dimension i with i + headDim/2. Angles follow HF: θᵢ = base^(−2i/d) in
 * float32, angle = pos·θᵢ in float32.
 */
public final class Rope {
    private final int half;
    private final boolean pairwise;
    private final float[] cos, sin; // [ctx, half]

    public Rope(int headDim, float base, int ctx, boolean pairwise) {
        this.half = headDim / 2;
        this.pairwise = pairwise;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) inv[i] = (float) (1.0 / Math.pow(base, (float) (2 * i) / headDim));
        cos = new float[ctx * half];
        sin = new float[ctx * half];
        for (int p = 0; p < ctx; p++) {
            for (int i = 0; i < half; i++) {
                float a = p * inv[i];
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
    }

    /** Rotates {@code heads} consecutive heads of one row, in place, for position pos. */
    public void apply(float[] x, int off, int heads, int pos) {
        int hd = half * 2, t = pos * half;
        for (int h = 0; h < heads; h++) {
            int b = off + h * hd;
            for (int i = 0; i < half; i++) {
                int i0 = pairwise ? b + 2 * i : b + i;
                int i1 = pairwise ? i0 + 1 : i0 + half;
                float c = cos[t + i], s = sin[t + i];
                float x0 = x[i0], x1 = x[i1];
                x[i0] = x0 * c - x1 * s;
                x[i1] = x1 * c + x0 * s;
            }
        }
    }
}
