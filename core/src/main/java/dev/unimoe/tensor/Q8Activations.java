package dev.unimoe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.unimoe.tensor.Vec.F;
import static dev.unimoe.tensor.Vec.S;
import static dev.unimoe.tensor.Vec.S128;

/**
 * Rows of float activations quantized to ggml's Q8_0 for the integer dot products of Q8_0 and
 * Q4_0 weights ({@code ggml_vec_dot_q8_0_q8_0}, {@code ggml_vec_dot_q4_0_q8_0}): per block of 32,
 * d = max|x|/127 and q = round-half-away(x/d) exactly as {@link Quantizer} encodes Q8_0, with d
 * kept as the float32 value of its f16 rounding (what a {@code block_q8_0} stores).
 *
 * <p>The quants are held as shorts in the layout the kernel of one weight format wants:
 * <ul>
 * <li>{@code forQ4 = false} (Q8_0 weights): 32 shorts per block, q[0..31].</li>
 * <li>{@code forQ4 = true} (Q4_0 weights): 48 shorts per block: q[0..15]; q[16+j] − 16·q[j];
 *     8·(q[j] + q[16+j]). With u = the zero-extended weight byte (lo nibble + 16·hi nibble),
 *     u·q[j] + hi·(q[16+j] − 16·q[j]) − 8·(q[j] + q[16+j]) = (lo−8)·q[j] + (hi−8)·q[16+j]:
 *     the exact Q4_0·Q8_0 pair product, computed in wrapping 16-bit lanes with no masking.</li>
 * </ul>
 * Buffers only grow: keep one instance per thread and re-{@link #prepare} it for each product.
 */
public final class Q8Activations {
    short[] q = new short[0];
    float[] d = new float[0];
    /**
     * For the K-quant products: d·Σq per block (Q4_K/Q5_K min terms), d·Σq per half block (Q6_K's
     * −32 offset over its 16-value groups), and d repeated per half block, so eight of Q6_K's
     * group scales meet their activation scales in one vector multiply.
     */
    float[] sums = new float[0], sums16 = new float[0], d16 = new float[0];
    /** Σq per block, for the −8·Σx term of the row-interleaved Q4_0 and Q4_K kernels ({@link RowInterleaved}). */
    int[] qsum = new int[0];
    /**
     * The quants as floats, plain layout only ({@code forQ4 = false}): the multi-token kernels of
     * {@link RowInterleaved} multiply integers in float32, where they are exact.
     */
    float[] qf = new float[0];
    /**
     * Plain layout only: q[16+j] − 16·q[j] per block (16 shorts), so the row-interleaved Q4_0 and
     * Q4_K kernels multiply the whole zero-extended byte u by q[j] and u >> 4 by this, with no
     * nibble mask (the {@code forQ4} identity above).
     */
    short[] qhi = new short[0];
    private int rows, cols, blocksPerRow;
    private boolean forQ4;

    /** Sizes the buffers for {@code rows × cols} values ({@code cols} a multiple of 32). */
    public Q8Activations prepare(int rows, int cols, boolean forQ4) {
        if (cols <= 0 || cols % 32 != 0) throw new IllegalArgumentException("Q8_0 activations need a multiple of 32 columns, got " + cols);
        if (rows < 0) throw new IllegalArgumentException("rows " + rows);
        this.rows = rows;
        this.cols = cols;
        this.blocksPerRow = cols / 32;
        this.forQ4 = forQ4;
        int blocks = Math.multiplyExact(rows, blocksPerRow);
        int need = Math.multiplyExact(blocks, forQ4 ? 48 : 32);
        if (q.length < need) q = new short[Math.max(need, q.length + q.length / 2)];
        if (d.length < blocks) d = new float[Math.max(blocks, d.length + d.length / 2)];
        if (!forQ4 && qf.length < need) qf = new float[Math.max(need, qf.length + qf.length / 2)];
        if (!forQ4 && qhi.length < blocks * 16) qhi = new short[Math.max(blocks * 16, qhi.length + qhi.length / 2)];
        if (sums.length < blocks) {
            sums = new float[Math.max(blocks, sums.length + sums.length / 2)];
            sums16 = new float[2 * sums.length];
            d16 = new float[2 * sums.length];
            qsum = new int[sums.length];
        }
        return this;
    }

    /** prepare + quantize every row: x holds rows×cols values from xOff. */
    public Q8Activations quantize(float[] x, int xOff, int rows, int cols, boolean forQ4) {
        prepare(rows, cols, forQ4);
        quantizeRows(x, xOff, 0, rows);
        return this;
    }

    /** Quantizes rows [from, to) of x (row r at xOff + r·cols); disjoint ranges may run in parallel. */
    public void quantizeRows(float[] x, int xOff, int from, int to) {
        if (from < 0 || to > rows || from > to) throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows);
        if (xOff < 0 || (long) xOff + (long) to * cols > x.length) {
            throw new IndexOutOfBoundsException("activations need " + ((long) xOff + (long) to * cols) + " floats, array has " + x.length);
        }
        int per = forQ4 ? 48 : 32;
        for (int blk = from * blocksPerRow, end = to * blocksPerRow; blk < end; blk++) {
            int src = xOff + (blk / blocksPerRow) * cols + (blk % blocksPerRow) * 32;
            if (Vec.ENABLED) quantizeBlockVector(x, src, blk, blk * per);
            else quantizeBlockScalar(x, src, blk, blk * per);
            int s0 = 0, s1 = 0;
            for (int j = 0; j < 16; j++) {
                s0 += q[blk * per + j];
                s1 += q[blk * per + 16 + j];
            }
            sums[blk] = d[blk] * (s0 + s1);
            qsum[blk] = s0 + s1;
            sums16[2 * blk] = d[blk] * s0;
            sums16[2 * blk + 1] = d[blk] * s1;
            d16[2 * blk] = d16[2 * blk + 1] = d[blk];
            if (!forQ4) {
                for (int j = 0; j < 32; j++) qf[blk * 32 + j] = q[blk * 32 + j];
                for (int j = 0; j < 16; j++) qhi[blk * 16 + j] = (short) (q[blk * 32 + 16 + j] - 16 * q[blk * 32 + j]);
            } else {
                int o = blk * 48;
                if (Vec.ENABLED) {
                    ShortVector x0 = ShortVector.fromArray(S, q, o), x1 = ShortVector.fromArray(S, q, o + 16);
                    x1.sub(x0.lanewise(VectorOperators.LSHL, 4)).intoArray(q, o + 16);
                    x0.add(x1).lanewise(VectorOperators.LSHL, 3).intoArray(q, o + 32);
                } else {
                    for (int j = 0; j < 16; j++) {
                        int a = q[o + j], b = q[o + 16 + j];
                        q[o + 16 + j] = (short) (b - 16 * a);
                        q[o + 32 + j] = (short) (8 * (a + b));
                    }
                }
            }
        }
    }

    private void quantizeBlockScalar(float[] x, int src, int blk, int dst) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[src + j]));
        float dd = amax / 127f;
        float id = dd != 0f ? 1f / dd : 0f;
        d[blk] = Float.float16ToFloat(Float.floatToFloat16(dd));
        for (int j = 0; j < 32; j++) q[dst + j] = (short) Quantizer.roundHalfAway(x[src + j] * id);
    }

    private void quantizeBlockVector(float[] x, int src, int blk, int dst) {
        FloatVector v0 = FloatVector.fromArray(F, x, src), v1 = FloatVector.fromArray(F, x, src + 8);
        FloatVector v2 = FloatVector.fromArray(F, x, src + 16), v3 = FloatVector.fromArray(F, x, src + 24);
        float amax = v0.abs().max(v1.abs()).max(v2.abs().max(v3.abs())).reduceLanes(VectorOperators.MAX);
        float dd = amax / 127f;
        float id = dd != 0f ? 1f / dd : 0f;
        d[blk] = Vec.F16[Float.floatToFloat16(dd) & 0xFFFF];
        // round half away from zero, as C's roundf: r = floor(|v|) (+1 when the rest is >= 0.5), sign of v
        for (int k = 0; k < 4; k++) {
            FloatVector v = FloatVector.fromArray(F, x, src + 8 * k).mul(id);
            FloatVector a = v.abs();
            IntVector t = (IntVector) a.convert(VectorOperators.F2I, 0);
            FloatVector r = (FloatVector) t.convert(VectorOperators.I2F, 0);
            VectorMask<Integer> up = a.sub(r).compare(VectorOperators.GE, 0.5f).cast(Vec.I);
            VectorMask<Integer> neg = v.compare(VectorOperators.LT, 0f).cast(Vec.I);
            t = t.add(1, up).lanewise(VectorOperators.NEG, neg);
            ((ShortVector) t.convertShape(VectorOperators.I2S, S128, 0)).intoArray(q, dst + 8 * k);
        }
    }

    public int rows() { return rows; }

    public int cols() { return cols; }

    public int blocksPerRow() { return blocksPerRow; }

    public boolean forQ4() { return forQ4; }

    /** The (f16-rounded) scale of block {@code block}, counting blocks row after row. */
    public float scale(int block) { return d[block]; }

    /** The int8 quant of value {@code index} (row-major over rows × cols). */
    public int quant(int index) {
        int blk = index >>> 5, j = index & 31;
        if (!forQ4) return q[blk * 32 + j];
        int o = blk * 48;
        return j < 16 ? q[o + j] : q[o + j] + 16 * q[o + j - 16];
    }
}
