package dev.unimoe.tensor;

/**
 * Storage formats of weights. Block formats pack {@code blockSize} values into {@code blockBytes}
 * bytes; plain formats have a block of one value. {@code ggmlId} is the GGUF type code.
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    I32(26, 1, 4),
    BF16(30, 1, 2);

    public final int ggmlId;
    public final int blockSize;
    public final int blockBytes;

    DType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes needed for {@code elements} values; the count must be a whole number of blocks. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " needs a multiple of " + blockSize + " values, got " + elements);
        }
        return elements / blockSize * blockBytes;
    }

    public boolean quantized() {
        return blockSize > 1;
    }

    public static DType fromGgml(int id) {
        for (DType t : values()) if (t.ggmlId == id) return t;
        return null;
    }

    /** safetensors dtype names; null when the name is not one this engine computes with. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I32" -> I32;
            default -> null;
        };
    }
}
