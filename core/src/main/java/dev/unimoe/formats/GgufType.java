package dev.unimoe.formats;

/**
 * GGUF metadata value types ({@code gguf_type} in ggml), with their wire ids and, for fixed-size
 * types, their size in bytes (0 for STRING and ARRAY, whose size depends on the content).
 */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    public final int size;

    GgufType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The type with this wire id, or null when the id is not a GGUF value type. */
    public static GgufType fromId(long id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
