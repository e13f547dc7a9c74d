package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Float32 to block formats, rounding exactly as ggml's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, and the K-quants' in
 * {@link KQuantizer}) so files match llama.cpp's.
 */
public final class Quantizer {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantizer() {}

    /** Encodes src[off, off+n) as {@code type} into dst starting at byte dstOff. */
    public static void quantize(DType type, float[] src, int off, int n, MemorySegment dst, long dstOff) {
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) dst.set(LE32, dstOff + 4L * i, src[off + i]); }
            case F16 -> { for (int i = 0; i < n; i++) dst.set(LE16, dstOff + 2L * i, Float.floatToFloat16(src[off + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) dst.set(LE16, dstOff + 2L * i, toBf16(src[off + i])); }
            case Q8_0 -> q8_0(src, off, n, dst, dstOff);
            case Q4_0 -> q4_0(src, off, n, dst, dstOff);
            case Q4_K -> KQuantizer.q4K(src, off, n, dst, dstOff);
            case Q5_K -> KQuantizer.q5K(src, off, n, dst, dstOff);
            case Q6_K -> KQuantizer.q6K(src, off, n, dst, dstOff);
            default -> throw new IllegalArgumentException("cannot quantize to " + type);
        }
    }

    public static byte[] quantize(DType type, float[] src) {
        byte[] out = new byte[Math.toIntExact(type.bytesFor(src.length))];
        quantize(type, src, 0, src.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /** Round-to-nearest-even float32 to bfloat16, NaN kept quiet (as PyTorch does). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** C's roundf: halves go away from zero (Java's Math.round sends -2.5 to -2). */
    public static int roundHalfAway(float v) {
        float a = Math.abs(v);
        float r = (float) (int) a;                     // |v| < 2^31 here: truncation is floor
        if (a - r >= 0.5f) r += 1f;
        return (int) Math.copySign(r, v);
    }

    private static void q8_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        if (n % 32 != 0) throw new IllegalArgumentException("Q8_0 needs a multiple of 32 values, got " + n);
        for (int b = 0; b < n / 32; b++) {
            int base = off + b * 32;
            float amax = 0f;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[base + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            long o = dstOff + b * 34L;
            dst.set(LE16, o, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) roundHalfAway(x[base + j] * id));
            }
        }
    }

    private static void q4_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        if (n % 32 != 0) throw new IllegalArgumentException("Q4_0 needs a multiple of 32 values, got " + n);
        for (int b = 0; b < n / 32; b++) {
            int base = off + b * 32;
            float amax = 0f, max = 0f;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            long o = dstOff + b * 18L;
            dst.set(LE16, o, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (byte) (int) (x[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (byte) (int) (x[base + 16 + j] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }
}
