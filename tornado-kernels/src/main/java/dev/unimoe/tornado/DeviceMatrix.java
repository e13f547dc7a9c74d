package dev.unimoe.tornado;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.Int8Array;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One or more equal-shape matrices (e.g. all experts of a layer) stacked row-wise in one device
 * array, in the layout the kernels read. Stored formats map as: F32 and BF16 → F32 (BF16 is
 * widened at load), F16 → F16 (raw halves), Q8_0 → Q8 (int8 quants + float block scales),
 * Q4_0 → Q8 (its 4-bit values minus 8, exactly, with the same block scale), and the K-quants
 * (Q4_K, Q5_K, Q6_K) → F16: expanded as ggml does and rounded to half (relative error ≤ 2⁻¹¹;
 * their per-sub-block mins do not fit the Q8 layout), 2 bytes a value on the device.
 */
public final class DeviceMatrix {
    public enum Format { F32, F16, Q8 }

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public final Format format;
    public final int rows, cols;       // rows of the whole stack
    public final FloatArray f32;
    public final ShortArray f16;
    public final Int8Array quants;
    public final FloatArray scales;

    private DeviceMatrix(Format format, int rows, int cols) {
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 64) throw new IllegalStateException("a stacked device matrix of " + n + " values exceeds int indexing");
        f32 = format == Format.F32 ? new FloatArray((int) n) : null;
        f16 = format == Format.F16 ? new ShortArray((int) n) : null;
        quants = format == Format.Q8 ? new Int8Array((int) n) : null;
        scales = format == Format.Q8 ? new FloatArray((int) (n / 32)) : null;
    }

    public static Format formatOf(DType t) {
        return switch (t) {
            case F16, Q4_K, Q5_K, Q6_K -> Format.F16;
            case Q8_0, Q4_0 -> Format.Q8;
            default -> Format.F32;
        };
    }

    /** Device bytes a stack of these matrices takes (for the fit check before any copy). */
    public static long deviceBytes(Matrix... ms) {
        long n = 0;
        for (Matrix m : ms) {
            long v = (long) m.rows() * m.cols();
            n += switch (formatOf(m.tensor().type())) {
                case F32 -> 4 * v;
                case F16 -> 2 * v;
                case Q8 -> v + v / 32 * 4;
            };
        }
        return n;
    }

    public long deviceBytes() {
        long n = (long) rows * cols;
        return switch (format) {
            case F32 -> 4 * n;
            case F16 -> 2 * n;
            case Q8 -> n + n / 32 * 4;
        };
    }

    /** The arrays to transfer. */
    public Object[] arrays() {
        return switch (format) {
            case F32 -> new Object[]{f32};
            case F16 -> new Object[]{f16};
            case Q8 -> new Object[]{quants, scales};
        };
    }

    /**
     * Matrices of equal width stacked row-wise (all experts of a layer, or wq/wk/wv), in their
     * common device layout; matrices stored in different formats are widened to F32 together.
     */
    public static DeviceMatrix of(Matrix... ms) {
        Format f = formatOf(ms[0].tensor().type());
        for (Matrix m : ms) if (formatOf(m.tensor().type()) != f) f = Format.F32;
        return of(f, ms);
    }

    /** The stack in the given layout (F32 widens anything, e.g. a router the kernels read as floats). */
    public static DeviceMatrix of(Format f, Matrix... ms) {
        int cols = ms[0].cols(), rows = 0;
        for (Matrix m : ms) {
            if (m.cols() != cols) throw new IllegalArgumentException("stacked matrices differ in width: " + m.cols() + " vs " + cols);
            if (f != Format.F32 && formatOf(m.tensor().type()) != f) throw new IllegalArgumentException("a " + m.tensor().type() + " matrix cannot be stored as " + f);
            rows += m.rows();
        }
        DeviceMatrix d = new DeviceMatrix(f, rows, cols);
        long at = 0;
        for (Matrix m : ms) {
            d.copy(m, at);
            at += (long) m.rows() * m.cols();
        }
        return d;
    }

    private void copy(Matrix m, long at) {
        Tensor t = m.tensor();
        long n = (long) m.rows() * m.cols();
        MemorySegment src = t.data();
        switch (format) {
            case F32 -> {
                float[] buf = new float[m.cols()];
                for (int r = 0; r < m.rows(); r++) {
                    t.dequantize(m.rowOffset(r), buf, 0, buf.length);
                    MemorySegment.copy(buf, 0, f32.getSegment(), ValueLayout.JAVA_FLOAT, (at + (long) r * cols) * 4, buf.length);
                }
            }
            case F16 -> {
                if (t.type() == DType.F16) {
                    MemorySegment.copy(src, m.offset() * 2, f16.getSegment(), at * 2, n * 2);
                } else {                                                   // a K-quant: expanded as ggml does, rounded to half
                    float[] buf = new float[m.cols()];
                    MemorySegment dst = f16.getSegment();
                    for (int r = 0; r < m.rows(); r++) {
                        t.dequantize(m.rowOffset(r), buf, 0, buf.length);
                        long o = (at + (long) r * cols) * 2;
                        for (int i = 0; i < buf.length; i++) dst.set(LE16, o + 2L * i, Float.floatToFloat16(buf[i]));
                    }
                }
            }
            case Q8 -> {
                long blocks = n / 32, b0 = m.offset() / 32, o0 = at / 32;
                MemorySegment qs = quants.getSegment();
                if (t.type() == DType.Q8_0) {
                    for (long b = 0; b < blocks; b++) {
                        long base = (b0 + b) * 34;
                        scales.set((int) (o0 + b), Float.float16ToFloat(src.get(LE16, base)));
                        MemorySegment.copy(src, base + 2, qs, (o0 + b) * 32, 32);
                    }
                } else {                                                   // Q4_0
                    for (long b = 0; b < blocks; b++) {
                        long base = (b0 + b) * 18;
                        scales.set((int) (o0 + b), Float.float16ToFloat(src.get(LE16, base)));
                        long qo = (o0 + b) * 32;
                        for (int j = 0; j < 16; j++) {
                            int v = src.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xFF;
                            qs.set(ValueLayout.JAVA_BYTE, qo + j, (byte) ((v & 0x0F) - 8));
                            qs.set(ValueLayout.JAVA_BYTE, qo + 16 + j, (byte) ((v >>> 4) - 8));
                        }
                    }
                }
            }
        }
    }
}
