package dev.unimoe.encoders;

import dev.unimoe.kernels.Parallel;

/** {@code nn.LayerNorm} over the last dimension, with affine weight and bias. */
public record LayerNorm(float[] weight, float[] bias, float eps) {
    public LayerNorm {
        if (weight.length != bias.length) throw new IllegalArgumentException("LayerNorm weight " + weight.length + " vs bias " + bias.length);
    }

    /** {@code name.weight} and {@code name.bias}, both [n]. */
    public static LayerNorm load(TensorSource src, String name, int n, float eps) {
        return new LayerNorm(src.floats(name + ".weight", n), src.floats(name + ".bias", n), eps);
    }

    public int size() { return weight.length; }

    /** Normalises each of {@code rows} rows of x into a new array. */
    public float[] apply(float[] x, int rows) {
        int n = weight.length;
        float[] out = new float[rows * n];
        Parallel.forRange(rows, Math.max(1, 16384 / n), (r0, r1) -> {
            for (int r = r0; r < r1; r++) EncoderOps.layerNorm(x, r * n, out, r * n, n, weight, bias, eps);
        });
        return out;
    }

    /** Normalises row {@code row} of x only (CLIP's pooled CLS row). */
    public float[] applyRow(float[] x, int row) {
        int n = weight.length;
        float[] out = new float[n];
        EncoderOps.layerNorm(x, row * n, out, 0, n, weight, bias, eps);
        return out;
    }
}
