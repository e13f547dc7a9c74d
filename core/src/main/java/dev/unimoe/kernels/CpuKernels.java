package dev.unimoe.kernels;

import dev.unimoe.tensor.Matrix;

/** CPU kernels: rows of the weight split across threads, each row read once for all tokens. */
public final class CpuKernels implements Kernels {
    public static final CpuKernels INSTANCE = new CpuKernels();

    @Override
    public void matmul(Matrix w, float[] x, int tokens, float[] out) {
        int rows = w.rows(), cols = w.cols();
        Parallel.forChunks(rows, 16, (start, end) -> {
            for (int r = start; r < end; r++) {
                long off = w.rowOffset(r);
                for (int t = 0; t < tokens; t++) {
                    out[t * rows + r] = w.tensor().dot(off, x, t * cols, cols);
                }
            }
        });
    }

    @Override
    public String name() { return "cpu"; }
}
