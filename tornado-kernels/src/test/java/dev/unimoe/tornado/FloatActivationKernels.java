package dev.unimoe.tornado;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

/**
 * A CPU reference for quantized weights with float32 activations (the device's arithmetic):
 * {@code Tensor.dot} per row, unlike {@code CpuKernels}, which quantizes activations to Q8_0 for
 * Q8_0/Q4_0 weights as llama.cpp does.
 */
final class FloatActivationKernels implements Kernels {
    @Override
    public void matmul(Matrix w, float[] x, int tokens, float[] out) {
        int rows = w.rows(), cols = w.cols();
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) out[t * rows + r] = w.tensor().dot(w.rowOffset(r), x, t * cols, cols);
        }
    }

    @Override public String name() { return "float-activations"; }
}
