package dev.unimoe.tensor;

/**
 * A row-major [rows, cols] view of a tensor starting at element {@code offset}: a PyTorch linear
 * weight [out, in], or one expert's slice of a stacked [E, out, in] GGUF tensor.
 */
public record Matrix(Tensor tensor, long offset, int rows, int cols) {
    public Matrix {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("matrix shape " + rows + "x" + cols);
        if (offset < 0 || offset + (long) rows * cols > tensor.elements()) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] at " + offset
                    + " exceeds tensor of " + tensor.elements() + " values");
        }
        if (offset % tensor.type().blockSize != 0 || cols % tensor.type().blockSize != 0) {
            throw new IllegalArgumentException(tensor.type() + " rows must be whole blocks of "
                    + tensor.type().blockSize + " values; cols = " + cols);
        }
    }

    public static Matrix of(Tensor t, int rows, int cols) {
        return new Matrix(t, 0, rows, cols);
    }

    /** The [rows, cols] matrix number {@code index} of a stack of equal matrices (an expert). */
    public Matrix slice(int index, int sliceRows) {
        return new Matrix(tensor, offset + (long) index * sliceRows * cols, sliceRows, cols);
    }

    public long rowOffset(int row) {
        return offset + (long) row * cols;
    }

    /** Weight bytes this view covers: what one full matrix-vector product must read. */
    public long byteSize() {
        return tensor.type().bytesFor((long) rows * cols);
    }
}
