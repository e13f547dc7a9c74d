package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.unimoe.tensor.Vec.B128;
import static dev.unimoe.tensor.Vec.B64;
import static dev.unimoe.tensor.Vec.F;
import static dev.unimoe.tensor.Vec.S;

/**
 * A Q8_0, Q4_0, Q4_K or Q6_K matrix repacked for the CPU kernels with {@value #GROUP} rows
 * interleaved, the idea of llama.cpp's runtime repacking: the vector lanes hold rows, not values
 * of one row. A block's products then accumulate lane-wise for 16 rows at once, with no lane sum
 * per row and no per-row loop overhead, and each activation value is broadcast once for 16 rows.
 * That is about half the vector operations per weight of the row-by-row kernels, which the
 * Vector API (no {@code maddubs}/{@code madd}) leaves compute-bound in decode. A call takes its
 * groups in pairs, one from each half of its rows: two DRAM streams far apart keep more reads in
 * flight than one, and decode waits on DRAM.
 *
 * <p>Layout, per group of 16 rows and block of 32 columns (one block of the 8-bit activations):
 * float scales (row order; widened once here) and the quants, 16 bytes per step, byte lane L
 * holding row {@code L/2} (L even) or {@code 8 + L/2} (L odd), so that the 16-bit lanes viewed
 * as 32-bit lanes split into rows 0–7 (low halves) and 8–15 (high halves) with two shifts.
 * <ul>
 * <li>Q8_0: 32 steps, step j = value j of the block. Two steps' products (at most 2·128·127)
 *     share a 16-bit lane before they are widened.</li>
 * <li>Q4_0: 16 steps, step j = the block's byte j (value j in the low nibble, j + 16 in the
 *     high one, as ggml packs them). With u the zero-extended byte (lo + 16·hi),
 *     u·x_j + (u >> 4)·(x_{j+16} − 16·x_j) = lo·x_j + hi·x_{j+16}: no nibble mask
 *     ({@link Q8Activations#qhi}). The 32 products q·x (q = 0..15) add up in 16-bit lanes
 *     modulo 2¹⁶; subtracting 8·Σx leaves Σ(q−8)·x, at most 32·8·127 in magnitude, exact.</li>
 * <li>Q4_K: per 32-value sub-block the Q4_0 layout, with s = d·sc and 8·s − m per row
 *     ({@link #packQ4K}).</li>
 * <li>Q6_K: the Q8_0 layout with the signed quants q − 32 and one scale d·sc per 16 values
 *     ({@link #packQ6K}).</li>
 * </ul>
 * Per block the integer sum is exact (ggml's {@code sumi}); it is scaled by d_w·d_x and added in
 * float32 in block order. Every group computes the same whatever the pairing, and a batch of
 * several tokens ({@link #dotTokensFloat}: the integers multiplied in float32, exact) the same
 * block sums, so results do not depend on how many tokens or rows a call carries.
 */
public final class RowInterleaved {
    public static final int GROUP = 16;
    /** Matrices this large or larger stay row by row (one Java array holds the quants). */
    private static final long MAX_QUANT_BYTES = Integer.MAX_VALUE - 64;

    private final DType type;
    private final int rows, cols, nb, stepBytes;
    private final byte[] q;
    private final float[] scales;
    /** Q4_K only: per row and sub-block, 8·s − m (so that value = s·(q − 8) + this). */
    private final float[] offsets;
    private final int floatMin;

    private RowInterleaved(DType type, int rows, int cols) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.nb = cols / 32;
        this.stepBytes = quantBytes(type) * GROUP;                     // quant bytes per group-block
        this.q = new byte[Math.toIntExact((long) rows / GROUP * nb * stepBytes)];
        this.scales = new float[Math.toIntExact((long) rows * nb * (type == DType.Q6_K ? 2 : 1))];
        this.offsets = type == DType.Q4_K ? new float[scales.length] : null;
        this.floatMin = floatMinTokens(type);
    }

    /** Packed quant bytes per row and block of 32: a byte per value, or a nibble (Q4_0, Q4_K); 0 for formats not packed. */
    private static int quantBytes(DType t) {
        return switch (t) {
            case Q8_0, Q6_K -> 32;
            case Q4_0, Q4_K -> 16;
            default -> 0;
        };
    }

    /** Float bytes per row and block of 32: a scale, plus Q4_K's offset or Q6_K's second scale. */
    private static int floatBytes(DType t) {
        return t == DType.Q4_K || t == DType.Q6_K ? 8 : 4;
    }

    /** Whether {@link #pack} takes this matrix: Q8_0, Q4_0, Q4_K or Q6_K, whole groups of rows, vectors usable. */
    public static boolean packable(Matrix m) {
        int qb = quantBytes(m.tensor().type());
        return Vec.ENABLED && qb > 0 && m.rows() % GROUP == 0 && (long) m.rows() * m.cols() / 32 * qb < MAX_QUANT_BYTES;
    }

    /** Heap bytes the packed copy of {@code m} takes. */
    public static long packedBytes(Matrix m) {
        DType t = m.tensor().type();
        return (long) m.rows() * m.cols() / 32 * (quantBytes(t) + floatBytes(t));
    }

    /** The byte lane of a group's row: rows 0–7 in the even lanes, 8–15 in the odd ones. */
    private static int slot(int lane) {
        return lane < 8 ? 2 * lane : 2 * (lane - 8) + 1;
    }

    /**
     * The repacked copy of {@code m} (see {@link #packable}), or null where the copy could not
     * hold the values exactly: a Q6_K block whose scale is not finite (a damaged file). Such a
     * matrix stays with the row-by-row kernels, which compute with the stored bytes as they are
     * (NaN/inf in, NaN/inf out, as llama.cpp does).
     */
    public static RowInterleaved pack(Matrix m) {
        if (!packable(m)) throw new IllegalArgumentException("cannot interleave a " + m.tensor().type() + " matrix of " + m.rows() + " rows");
        RowInterleaved p = new RowInterleaved(m.tensor().type(), m.rows(), m.cols());
        switch (p.type) {
            case Q4_K -> p.packQ4K(m);
            case Q6_K -> {
                if (!p.packQ6K(m)) return null;
            }
            default -> p.packBlocks32(m);
        }
        return p;
    }

    /** Q8_0 and Q4_0: the block's f16 d widened, its quant bytes moved to the row's lane. */
    private void packBlocks32(Matrix m) {
        int blockBytes = type.blockBytes, steps = quantBytes(type);
        MemorySegment src = m.tensor().data();
        byte[] row = new byte[nb * blockBytes];
        for (int g = 0; g < rows / GROUP; g++) {
            for (int lane = 0; lane < GROUP; lane++) {
                int r = g * GROUP + lane;
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, type.bytesFor(m.rowOffset(r)), row, 0, row.length);
                for (int b = 0; b < nb; b++) {
                    int o = b * blockBytes, qb = (g * nb + b) * stepBytes + slot(lane);
                    scales[(g * nb + b) * GROUP + lane] = Float.float16ToFloat((short) ((row[o] & 0xFF) | (row[o + 1] << 8)));
                    for (int j = 0; j < steps; j++) q[qb + GROUP * j] = row[o + 2 + j];
                }
            }
        }
    }

    /**
     * Q4_K: each sub-block of 32 (scale s = d·sc, min m = dmin·mn, value = s·q − m, as ggml
     * expands it) becomes a Q4_0-style block: its nibbles re-paired so that byte j holds values
     * j and j + 16, the float s, and 8·s − m, the constant that makes value = s·(q − 8) + (8·s − m).
     */
    private void packQ4K(Matrix m) {
        MemorySegment src = m.tensor().data();
        int superBlocks = cols / 256;
        byte[] row = new byte[superBlocks * Q4_KTensor.BYTES], sm = new byte[16];
        for (int g = 0; g < rows / GROUP; g++) {
            for (int lane = 0; lane < GROUP; lane++) {
                int r = g * GROUP + lane;
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, type.bytesFor(m.rowOffset(r)), row, 0, row.length);
                for (int sbk = 0; sbk < superBlocks; sbk++) {
                    int base = sbk * Q4_KTensor.BYTES;
                    Q4_KTensor.scaleBytes(row, base + 4, sm);
                    float d = Float.float16ToFloat((short) ((row[base] & 0xFF) | (row[base + 1] << 8)));
                    float dmin = Float.float16ToFloat((short) ((row[base + 2] & 0xFF) | (row[base + 3] << 8)));
                    for (int sub = 0; sub < 8; sub++) {
                        int b = 8 * sbk + sub, c = sub / 2, shift = 4 * (sub % 2), qs = base + 16 + 32 * c;
                        float sc = d * sm[sub], mn = dmin * sm[8 + sub];
                        scales[(g * nb + b) * GROUP + lane] = sc;
                        offsets[(g * nb + b) * GROUP + lane] = 8 * sc - mn;
                        int qb = (g * nb + b) * stepBytes + slot(lane);
                        for (int j = 0; j < 16; j++) {
                            int lo = (row[qs + j] >>> shift) & 0x0F, hi = (row[qs + 16 + j] >>> shift) & 0x0F;
                            q[qb + GROUP * j] = (byte) (lo | hi << 4);
                        }
                    }
                }
            }
        }
    }

    /**
     * Q6_K: value = (d·sc)·(q − 32) per 16-value sub-block, as ggml expands it. The quants go in
     * as signed bytes q − 32 in the Q8_0 layout, with two float scales d·sc per block of 32
     * (values 0–15 and 16–31), read back from the row's own expansion and checked exact; false
     * where a value is not its scale times a 6-bit quant (only a non-finite scale makes that).
     */
    private boolean packQ6K(Matrix m) {
        Tensor t = m.tensor();
        MemorySegment src = t.data();
        int superBlocks = cols / 256;
        float[] v = new float[cols];
        for (int g = 0; g < rows / GROUP; g++) {
            for (int lane = 0; lane < GROUP; lane++) {
                int r = g * GROUP + lane;
                t.dequantize(m.rowOffset(r), v, 0, cols);
                long row = type.bytesFor(m.rowOffset(r));
                for (int sbk = 0; sbk < superBlocks; sbk++) {
                    long base = row + (long) Q6_KTensor.BYTES * sbk;
                    float d = Float.float16ToFloat(src.get(Q8_0Tensor.LE16, base + 208));
                    for (int k = 0; k < 16; k++) {                   // sub-block k: values 16k .. 16k + 15 of the super-block
                        float sc = d * src.get(ValueLayout.JAVA_BYTE, base + 192 + k);
                        int b = 8 * sbk + k / 2, half = k % 2;
                        scales[(g * nb + b) * 2 * GROUP + half * GROUP + lane] = sc;
                        int qb = (g * nb + b) * stepBytes + slot(lane);
                        for (int i = 0; i < 16; i++) {
                            float value = v[256 * sbk + 16 * k + i];
                            int qv = sc == 0f ? 0 : Math.round(value / sc);
                            if (sc * qv != value || qv < -32 || qv > 31) return false;
                            q[qb + GROUP * (16 * half + i)] = (byte) qv;
                        }
                    }
                }
            }
        }
        return true;
    }

    public DType type() { return type; }

    public int rows() { return rows; }

    public int cols() { return cols; }

    /** The stored value at (row, col), from the packed copy (the tests compare it with the source). */
    public float get(int row, int col) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        int g = row / GROUP, lane = row % GROUP, b = col / 32, j = col % 32;
        int qb = (g * nb + b) * stepBytes + slot(lane);
        if (type == DType.Q6_K) return scales[(g * nb + b) * 2 * GROUP + (j / 16) * GROUP + lane] * q[qb + GROUP * j];
        float d = scales[(g * nb + b) * GROUP + lane];
        if (type == DType.Q8_0) return d * q[qb + GROUP * j];
        int v = q[qb + GROUP * (j & 15)] & 0xFF;
        float w = d * ((j < 16 ? v & 0x0F : v >>> 4) - 8);
        return offsets == null ? w : w + offsets[(g * nb + b) * GROUP + lane];
    }

    /**
     * Rows [r0, r1) for activation rows token0 .. token0+tokens−1 (quantized in the plain Q8_0
     * layout), row r's result for token t into {@code out[outOff + r + t·outStride]}. Groups
     * that the range cuts are computed whole and only the range's rows stored.
     */
    public void dotTokens(int r0, int r1, Q8Activations x, int token0, int tokens, float[] out, int outOff, int outStride) {
        if (r0 >= r1 || tokens <= 0) return;
        Objects.checkFromToIndex(r0, r1, rows);
        if (x.forQ4() || x.cols() != cols) throw new IllegalArgumentException("activations of " + x.cols() + " columns" + (x.forQ4() ? " in the Q4_0 layout" : "") + " for a packed matrix of " + cols);
        Objects.checkFromIndexSize(token0, tokens, x.rows());
        Objects.checkFromIndexSize(outOff + r0, (r1 - r0) + (long) (tokens - 1) * outStride, out.length);
        if (tokens >= floatMin) {
            dotTokensFloat(r0, r1, x, token0, tokens, out, outOff, outStride);
            return;
        }
        float[] res = new float[2 * GROUP];
        // groups go in pairs from the two halves of the range: two streams far apart keep more
        // memory reads in flight than one (decode waits on DRAM), and the pair shares each
        // broadcast activation; a pair computes exactly what its groups compute alone
        int g0 = r0 / GROUP, g1 = (r1 + GROUP - 1) / GROUP, half = (g1 - g0 + 1) / 2;
        for (int i = 0; i < half; i++) {
            int ga = g0 + i, gb = ga + half;
            boolean pair = gb < g1;
            if (!pair) gb = ga;                 // an odd group out goes with itself: one kernel per format, the same bits
            int qa = ga * nb * stepBytes, qb = gb * nb * stepBytes, sa = ga * nb * GROUP, sb = gb * nb * GROUP;
            for (int t = 0; t < tokens; t++) {
                int blk0 = (token0 + t) * nb;
                switch (type) {
                    case Q8_0 -> dotQ8x2(q, scales, qa, qb, sa, sb, nb, x.q, x.d, blk0, res);
                    case Q6_K -> dotQ6x2(q, scales, qa, qb, 2 * sa, 2 * sb, nb, x.q, x.d, blk0, res);
                    case Q4_K -> dotQ4Kx2(q, scales, offsets, qa, qb, sa, sb, nb, x.q, x.qhi, x.d, x.qsum, blk0, res);
                    default -> dotQ4x2(q, scales, qa, qb, sa, sb, nb, x.q, x.qhi, x.d, x.qsum, blk0, res);
                }
                int o = outOff + t * outStride;
                store(res, 0, ga, r0, r1, out, o);
                if (pair) store(res, GROUP, gb, r0, r1, out, o);
            }
        }
    }

    /**
     * From how many tokens a call takes the float path ({@link #dotTokensFloat}), where it measured
     * faster than the 16-bit kernels (one thread, weights in cache); the bits do not depend on it.
     * {@code -Dunimoe.floatMinTokens=N} sets it for every format (for such measurements).
     */
    private static int floatMinTokens(DType type) {
        Integer forced = Integer.getInteger("unimoe.floatMinTokens");
        if (forced != null) return forced;
        return switch (type) {
            case Q8_0 -> 6;      // 8 tokens: 45 -> 42 ns/KB per token, 16: 47 -> 38
            case Q4_0 -> 10;     // 16: 80 -> 71, 48: 80 -> 65
            case Q6_K -> 12;     // 16: 72 -> 66
            default -> 20;       // Q4_K, with its offset term: 16 even, 48: 84 -> 75
        };
    }

    /** The row each byte lane holds (the inverse of {@link #slot}). */
    private static final int[] ROW_OF_LANE = new int[GROUP];

    static {
        for (int r = 0; r < GROUP; r++) ROW_OF_LANE[slot(r)] = r;
    }

    /**
     * The multi-token path: integers multiplied in float32. Each block of a group is unpacked once
     * to floats (the quants, or q − 8, in the packed lane order), and each tile of four tokens runs
     * over it with eight FMA accumulators; a product of 8-bit integers and a block's sum of 32 of
     * them stay below 2²⁴, so every step is exact and the block sum equals the integer kernels'
     * bit for bit. The scaling by d_w·d_x (and Q4_K's offset term) follows in the same order as
     * there, with the scales gathered into lane order once per block, so results are those of
     * {@link #dotQ8x2} and its siblings. The unpacking is paid once per group and block for all
     * tokens, and an FMA does twice the work of a 16-bit product: about 20% less CPU per token
     * from 8 tokens on (Q8_0), more with more tokens.
     */
    private void dotTokensFloat(int r0, int r1, Q8Activations x, int token0, int tokens, float[] out, int outOff, int outStride) {
        int halves = type == DType.Q6_K ? 2 : 1, len = 32 / halves, xs = nb * 32;
        float[] w = Scratch.floats(32 * GROUP), tot = Scratch.floatsB(tokens * GROUP);
        float[] sums = new float[4 * GROUP], sv = new float[2 * GROUP], ov = new float[GROUP];
        for (int g = r0 / GROUP, g1 = (r1 + GROUP - 1) / GROUP; g < g1; g++) {
            java.util.Arrays.fill(tot, 0, tokens * GROUP, 0f);
            for (int b = 0; b < nb; b++) {
                int qo = (g * nb + b) * stepBytes, so = (g * nb + b) * halves * GROUP;
                if (type == DType.Q8_0 || type == DType.Q6_K) unpackBytes(q, qo, w);
                else unpackNibbles(q, qo, w);
                for (int i = 0; i < halves * GROUP; i += 8) FloatVector.fromArray(F, scales, so + i - i % GROUP, ROW_OF_LANE, i % GROUP).intoArray(sv, i);
                if (offsets != null) {
                    FloatVector.fromArray(F, offsets, so, ROW_OF_LANE, 0).intoArray(ov, 0);
                    FloatVector.fromArray(F, offsets, so, ROW_OF_LANE, 8).intoArray(ov, 8);
                }
                for (int h = 0; h < halves; h++) {
                    for (int t = 0; t < tokens; ) {
                        int k = Math.min(4, tokens - t), x0 = ((token0 + t) * nb + b) * 32 + h * len;
                        if (k == 4) sums4(w, h * len, len, x.qf, x0, xs, sums);
                        else for (int i = 0; i < k; i++) sums1(w, h * len, len, x.qf, x0 + i * xs, sums, i * GROUP);
                        for (int i = 0; i < k; i++) {
                            int blk = (token0 + t + i) * nb + b, to = (t + i) * GROUP;
                            float d = x.d[blk];
                            FloatVector t0 = FloatVector.fromArray(F, sums, i * GROUP).fma(FloatVector.fromArray(F, sv, h * GROUP).mul(d), FloatVector.fromArray(F, tot, to));
                            FloatVector t1 = FloatVector.fromArray(F, sums, i * GROUP + 8).fma(FloatVector.fromArray(F, sv, h * GROUP + 8).mul(d), FloatVector.fromArray(F, tot, to + 8));
                            if (offsets != null) {
                                FloatVector dq = FloatVector.broadcast(F, d * x.qsum[blk]);
                                t0 = FloatVector.fromArray(F, ov, 0).fma(dq, t0);
                                t1 = FloatVector.fromArray(F, ov, 8).fma(dq, t1);
                            }
                            t0.intoArray(tot, to);
                            t1.intoArray(tot, to + 8);
                        }
                        t += k;
                    }
                }
            }
            int lo = Math.max(r0, g * GROUP), hi = Math.min(r1, g * GROUP + GROUP);
            for (int t = 0; t < tokens; t++) {
                for (int r = lo; r < hi; r++) out[outOff + t * outStride + r] = tot[t * GROUP + slot(r - g * GROUP)];
            }
        }
    }

    /** A block of signed byte quants (Q8_0, Q6_K) as floats in lane order: w[16·j + lane] for step j. */
    private static void unpackBytes(byte[] q, int qo, float[] w) {
        for (int i = 0; i < 32 * GROUP; i += 8) {
            ((FloatVector) ByteVector.fromArray(B64, q, qo + i).convertShape(VectorOperators.B2F, F, 0)).intoArray(w, i);
        }
    }

    /** A block of nibble quants (Q4_0, Q4_K) as floats q − 8 in lane order: byte j's low nibbles are value j, the high ones value j + 16. */
    private static void unpackNibbles(byte[] q, int qo, float[] w) {
        for (int i = 0; i < 16 * GROUP; i += 8) {
            IntVector u = (IntVector) ByteVector.fromArray(B64, q, qo + i).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
            ((FloatVector) u.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).intoArray(w, i);
            ((FloatVector) u.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).intoArray(w, i + 16 * GROUP);
        }
    }

    /** Exact sums of steps [j0, j0 + len) for four tokens (activation quants at x0 + i·xs): sums[16·i + row]. */
    private static void sums4(float[] w, int j0, int len, float[] xf, int x0, int xs, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
        int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
        for (int j = 0; j < len; j++) {
            FloatVector w0 = FloatVector.fromArray(F, w, 16 * (j0 + j)), w1 = FloatVector.fromArray(F, w, 16 * (j0 + j) + 8);
            FloatVector v = FloatVector.broadcast(F, xf[x0 + j]);
            a0 = w0.fma(v, a0);
            a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(F, xf[x1 + j]);
            b0 = w0.fma(v, b0);
            b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(F, xf[x2 + j]);
            c0 = w0.fma(v, c0);
            c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(F, xf[x3 + j]);
            e0 = w0.fma(v, e0);
            e1 = w1.fma(v, e1);
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 8);
        b0.intoArray(sums, 16);
        b1.intoArray(sums, 24);
        c0.intoArray(sums, 32);
        c1.intoArray(sums, 40);
        e0.intoArray(sums, 48);
        e1.intoArray(sums, 56);
    }

    /** {@link #sums4} for one token, its steps split over four chains (exact, so any order gives the same sums). */
    private static void sums1(float[] w, int j0, int len, float[] xf, int x0, float[] sums, int so) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
        for (int j = 0; j < len; j += 4) {
            int o = 16 * (j0 + j);
            a0 = FloatVector.fromArray(F, w, o).fma(FloatVector.broadcast(F, xf[x0 + j]), a0);
            a1 = FloatVector.fromArray(F, w, o + 8).fma(FloatVector.broadcast(F, xf[x0 + j]), a1);
            b0 = FloatVector.fromArray(F, w, o + 16).fma(FloatVector.broadcast(F, xf[x0 + j + 1]), b0);
            b1 = FloatVector.fromArray(F, w, o + 24).fma(FloatVector.broadcast(F, xf[x0 + j + 1]), b1);
            c0 = FloatVector.fromArray(F, w, o + 32).fma(FloatVector.broadcast(F, xf[x0 + j + 2]), c0);
            c1 = FloatVector.fromArray(F, w, o + 40).fma(FloatVector.broadcast(F, xf[x0 + j + 2]), c1);
            e0 = FloatVector.fromArray(F, w, o + 48).fma(FloatVector.broadcast(F, xf[x0 + j + 3]), e0);
            e1 = FloatVector.fromArray(F, w, o + 56).fma(FloatVector.broadcast(F, xf[x0 + j + 3]), e1);
        }
        a0.add(b0).add(c0.add(e0)).intoArray(sums, so);
        a1.add(b1).add(c1.add(e1)).intoArray(sums, so + 8);
    }

    /** Group g's results (res[from ..]) into out[o + row] for its rows inside [r0, r1). */
    private static void store(float[] res, int from, int g, int r0, int r1, float[] out, int o) {
        int lo = Math.max(r0, g * GROUP), hi = Math.min(r1, g * GROUP + GROUP);
        for (int r = lo; r < hi; r++) out[o + r] = res[from + r - g * GROUP];
    }

    /**
     * Two groups of Q8_0 rows (A at qa/sa, B at qb/sb; B may be A) with one token: res[i] = row i
     * of A's product, res[16 + i] B's. Two steps' products share a 16-bit lane, then widen.
     */
    static void dotQ8x2(byte[] q, float[] sc, int qa, int qb, int sa, int sb, int nb, short[] xq, float[] dx, int blk0, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < nb; b++) {
            int pa = qa + b * 512, pb = qb + b * 512, xo = (blk0 + b) * 32;
            IntVector alo = IntVector.zero(Vec.I), ahi = alo, blo = alo, bhi = alo;
            for (int j = 0; j < 32; j += 2) {
                short x0 = xq[xo + j], x1 = xq[xo + j + 1];
                IntVector p = ((ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j).convertShape(VectorOperators.B2S, S, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j + 16).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                alo = alo.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                ahi = ahi.add(p.lanewise(VectorOperators.ASHR, 16));
                IntVector r = ((ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j).convertShape(VectorOperators.B2S, S, 0)).mul(x0)
                        .add(((ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j + 16).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                blo = blo.add(r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                bhi = bhi.add(r.lanewise(VectorOperators.ASHR, 16));
            }
            float d = dx[blk0 + b];
            int ta = sa + b * GROUP, tb = sb + b * GROUP;
            a0 = ((FloatVector) alo.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta).mul(d), a0);
            a1 = ((FloatVector) ahi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta + 8).mul(d), a1);
            b0 = ((FloatVector) blo.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb).mul(d), b0);
            b1 = ((FloatVector) bhi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb + 8).mul(d), b1);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, 8);
        b0.intoArray(res, 16);
        b1.intoArray(res, 24);
    }

    /** {@link #dotQ8x2} for Q4_0: all 32 products of a block in 16-bit lanes, less 8·Σx. */
    static void dotQ4x2(byte[] q, float[] sc, int qa, int qb, int sa, int sb, int nb, short[] xq, short[] xhi, float[] dx, int[] qsum, int blk0, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < nb; b++) {
            int pa = qa + b * 256, pb = qb + b * 256, xo = (blk0 + b) * 32, ho = (blk0 + b) * 16;
            ShortVector accA = ShortVector.zero(S), accB = accA;
            for (int j = 0; j < 16; j++) {
                short xl = xq[xo + j], xh = xhi[ho + j];
                ShortVector u = (ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                accA = accA.add(u.mul(xl)).add(u.lanewise(VectorOperators.LSHR, 4).mul(xh));
                ShortVector v = (ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                accB = accB.add(v.mul(xl)).add(v.lanewise(VectorOperators.LSHR, 4).mul(xh));
            }
            short bias = (short) (8 * qsum[blk0 + b]);
            IntVector p = accA.sub(bias).reinterpretAsInts(), r = accB.sub(bias).reinterpretAsInts();
            float d = dx[blk0 + b];
            int ta = sa + b * GROUP, tb = sb + b * GROUP;
            a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, sc, ta).mul(d), a0);
            a1 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta + 8).mul(d), a1);
            b0 = ((FloatVector) r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, sc, tb).mul(d), b0);
            b1 = ((FloatVector) r.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb + 8).mul(d), b1);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, 8);
        b0.intoArray(res, 16);
        b1.intoArray(res, 24);
    }

    /**
     * {@link #dotQ8x2} for Q4_K (repacked by {@link #packQ4K}): the Q4_0 sums Σ(q − 8)·x per
     * sub-block times s·d_x, plus (8·s − m)·d_x·Σx. The loop is {@link #dotQ4x2}'s written again
     * on purpose: one kernel for both, with the offset term behind a flag, measured slower
     * (95 → 108–125 ns/KB from DRAM), and C2 boxes vectors passed to a shared helper.
     */
    static void dotQ4Kx2(byte[] q, float[] sc, float[] off, int qa, int qb, int sa, int sb, int nb, short[] xq, short[] xhi, float[] dx, int[] qsum, int blk0, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < nb; b++) {
            int pa = qa + b * 256, pb = qb + b * 256, xo = (blk0 + b) * 32, ho = (blk0 + b) * 16;
            ShortVector accA = ShortVector.zero(S), accB = accA;
            for (int j = 0; j < 16; j++) {
                short xl = xq[xo + j], xh = xhi[ho + j];
                ShortVector u = (ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                accA = accA.add(u.mul(xl)).add(u.lanewise(VectorOperators.LSHR, 4).mul(xh));
                ShortVector v = (ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                accB = accB.add(v.mul(xl)).add(v.lanewise(VectorOperators.LSHR, 4).mul(xh));
            }
            int qs = qsum[blk0 + b];
            short bias = (short) (8 * qs);
            IntVector p = accA.sub(bias).reinterpretAsInts(), r = accB.sub(bias).reinterpretAsInts();
            float d = dx[blk0 + b], dq = d * qs;
            int ta = sa + b * GROUP, tb = sb + b * GROUP;
            a0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, sc, ta).mul(d), a0);
            a0 = FloatVector.fromArray(F, off, ta).fma(FloatVector.broadcast(F, dq), a0);
            a1 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta + 8).mul(d), a1);
            a1 = FloatVector.fromArray(F, off, ta + 8).fma(FloatVector.broadcast(F, dq), a1);
            b0 = ((FloatVector) r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, sc, tb).mul(d), b0);
            b0 = FloatVector.fromArray(F, off, tb).fma(FloatVector.broadcast(F, dq), b0);
            b1 = ((FloatVector) r.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb + 8).mul(d), b1);
            b1 = FloatVector.fromArray(F, off, tb + 8).fma(FloatVector.broadcast(F, dq), b1);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, 8);
        b0.intoArray(res, 16);
        b1.intoArray(res, 24);
    }

    /** {@link #dotQ8x2} for Q6_K (repacked by {@link #packQ6K}): each 16-value half block scaled by its own d·sc·d_x. */
    static void dotQ6x2(byte[] q, float[] sc, int qa, int qb, int sa, int sb, int nb, short[] xq, float[] dx, int blk0, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0; b < nb; b++) {
            int pa = qa + b * 512, pb = qb + b * 512, xo = (blk0 + b) * 32;
            float d = dx[blk0 + b];
            for (int h = 0; h < 2; h++) {
                IntVector alo = IntVector.zero(Vec.I), ahi = alo, blo = alo, bhi = alo;
                for (int j = 16 * h; j < 16 * h + 16; j += 2) {
                    short x0 = xq[xo + j], x1 = xq[xo + j + 1];
                    IntVector p = ((ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j).convertShape(VectorOperators.B2S, S, 0)).mul(x0)
                            .add(((ShortVector) ByteVector.fromArray(B128, q, pa + 16 * j + 16).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                    alo = alo.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    ahi = ahi.add(p.lanewise(VectorOperators.ASHR, 16));
                    IntVector r = ((ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j).convertShape(VectorOperators.B2S, S, 0)).mul(x0)
                            .add(((ShortVector) ByteVector.fromArray(B128, q, pb + 16 * j + 16).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                    blo = blo.add(r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    bhi = bhi.add(r.lanewise(VectorOperators.ASHR, 16));
                }
                int ta = sa + b * 2 * GROUP + h * GROUP, tb = sb + b * 2 * GROUP + h * GROUP;
                a0 = ((FloatVector) alo.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta).mul(d), a0);
                a1 = ((FloatVector) ahi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, ta + 8).mul(d), a1);
                b0 = ((FloatVector) blo.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb).mul(d), b0);
                b1 = ((FloatVector) bhi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, sc, tb + 8).mul(d), b1);
            }
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, 8);
        b0.intoArray(res, 16);
        b1.intoArray(res, 24);
    }
}
