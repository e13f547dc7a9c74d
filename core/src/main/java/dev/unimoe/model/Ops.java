package dev.unimoe.model;

/** The small element-wise pieces of the forward pass, written once and shared by every path. */
public final class Ops {
    private Ops() {}

    /** out = x / sqrt(mean(x²) + eps) * w, for one row of n values. */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] w, int n, float eps) {
        float ss = 0f;
        for (int i = 0; i < n; i++) ss += x[xOff + i] * x[xOff + i];
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * inv * w[i];
    }

    public static float silu(float z) {
        return z / (1f + (float) Math.exp(-z));
    }

    public static float sigmoid(float z) {
        return 1f / (1f + (float) Math.exp(-z));
    }

    /** In-place softmax of x[off, off+n), max-subtracted. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }

    public static void addBias(float[] x, int off, float[] b) {
        for (int i = 0; i < b.length; i++) x[off + i] += b[i];
    }
}
