package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

/** A PyTorch {@code nn.Linear}: weight [out, in] in its stored precision, optional float32 bias. */
public record Linear(Matrix weight, float[] bias) {
    public Linear {
        if (bias != null && bias.length != weight.rows()) {
            throw new IllegalArgumentException("bias of " + bias.length + " for a linear layer of " + weight.rows() + " outputs");
        }
    }

    /** {@code name.weight} [out, in] and, if {@code withBias}, {@code name.bias} [out]. */
    public static Linear load(TensorSource src, String name, int out, int in, boolean withBias) {
        Matrix w = Matrix.of(src.tensor(name + ".weight", out, in), out, in);
        return new Linear(w, withBias ? src.floats(name + ".bias", out) : null);
    }

    public int in() { return weight.cols(); }

    public int out() { return weight.rows(); }

    /** y = x·Wᵀ + b for {@code tokens} rows of x; a new [tokens, out] array. */
    public float[] apply(Kernels k, float[] x, int tokens) {
        float[] y = new float[tokens * out()];
        k.matmul(weight, x, tokens, y);
        if (bias != null) EncoderOps.addBias(y, tokens, bias);
        return y;
    }
}
