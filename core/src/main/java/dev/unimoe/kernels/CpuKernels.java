package dev.unimoe.kernels;

import dev.unimoe.tensor.BF16Tensor;
import dev.unimoe.tensor.F16Tensor;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.KQuantTensor;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Q4_0Tensor;
import dev.unimoe.tensor.Q8_0Tensor;
import dev.unimoe.tensor.Q8Activations;
import dev.unimoe.tensor.RowInterleaved;
import dev.unimoe.tensor.SplitActivations;
import dev.unimoe.tensor.Tensor;
import dev.unimoe.tensor.WidenedTensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * CPU kernels: the weight's rows are split into pieces claimed by all threads ({@link Parallel}),
 * and each row is read from memory once for all tokens: the format's multi-token product unpacks
 * or widens a stretch of rows once and runs every token of the block over it from L1 (the
 * interleaved formats in tiles of four tokens, F16 a quad of rows per token, the row-by-row
 * quantized formats a row against up to four tokens).
 *
 * <p>Q8_0, Q4_0 and the K-quants take the quantized-activation path of llama.cpp: the {@code tokens}
 * activation rows are quantized to Q8_0 once per call (into a grow-only per-thread buffer) and
 * every block product is an integer dot scaled by d_w·d_x (per sub-block for the K-quants).
 * F32 and BF16 use the float activations directly; F16 takes them rearranged once per call into
 * the order its kernels sum in ({@link SplitActivations}). Results per token do not depend on
 * {@code tokens}.
 *
 * <p>Q8_0, Q4_0, Q4_K and Q6_K matrices of whole 16-row groups are repacked once into
 * {@link RowInterleaved} copies on the heap (at load through {@link #pack}, else on first use)
 * and multiplied from those: about twice the speed of the row-by-row kernels. A matrix that does not fit the
 * heap's free space, or whose values the copy cannot hold (see {@link RowInterleaved#pack}), stays
 * row by row, for good, so a matrix always goes through one kernel.
 */
public final class CpuKernels implements Kernels {
    public static final CpuKernels INSTANCE = new CpuKernels();

    /** Rows per piece of work: enough to amortise claiming, small enough to balance two cores. */
    private static final int MIN_ROWS_PER_PIECE = 16;

    private static final ThreadLocal<Q8Activations> ACTIVATIONS = ThreadLocal.withInitial(Q8Activations::new);
    /** Q4_0 wants the activations in a different layout; a mixed call (Q4_0 and Q8_0 weights) needs both. */
    private static final ThreadLocal<Q8Activations> ACTIVATIONS_Q4 = ThreadLocal.withInitial(Q8Activations::new);
    /** The F16 kernels' activations, rearranged once per product (see SplitActivations). */
    private static final ThreadLocal<SplitActivations> SPLIT = ThreadLocal.withInitial(SplitActivations::new);

    /** Packed copies by matrix (RowInterleaved, or NOT_PACKED); weak keys, so a dropped model's copies go with it. */
    private static final Map<Matrix, Object> PACKED = new WeakHashMap<>();
    private static final Object NOT_PACKED = new Object();
    /** Heap left free after packing, for activations, caches and the rest of the engine. */
    private static final long HEAP_RESERVE = 512L << 20;

    /** What {@link #pack} did: matrices repacked (and their heap bytes), and those left row by row for want of heap. */
    public record Packing(int packed, long packedBytes, int leftRowByRow, long leftBytes) {}

    /**
     * Repacks every packable matrix of {@code ms} not packed yet (in parallel, one matrix per
     * piece): the load-time step, so the first tokens do not pay for it.
     */
    public Packing pack(Collection<Matrix> ms) {
        return pack(ms, freeHeap());
    }

    /** {@link #pack} within {@code budget} heap bytes; what does not fit stays row by row for good. */
    Packing pack(Collection<Matrix> ms, long budget) {
        List<Matrix> todo;
        synchronized (PACKED) {
            Set<Matrix> fresh = new LinkedHashSet<>();
            for (Matrix m : ms) if (m != null && RowInterleaved.packable(m) && !PACKED.containsKey(m)) fresh.add(m);
            todo = new ArrayList<>(fresh);
        }
        RowInterleaved[] done = new RowInterleaved[todo.size()];
        boolean[] fits = new boolean[todo.size()];
        int packed = 0, left = 0;
        long packedBytes = 0, leftBytes = 0;
        for (int i = 0; i < todo.size(); i++) {
            long need = RowInterleaved.packedBytes(todo.get(i));
            fits[i] = need <= budget;
            if (fits[i]) {
                budget -= need;
                packed++;
                packedBytes += need;
            } else {
                left++;
                leftBytes += need;
            }
        }
        Parallel.forEach(todo.size(), i -> {
            if (!fits[i]) return;
            Matrix m = todo.get(i);
            done[i] = RowInterleaved.pack(m);
            // the mapped source pages are not read again by these kernels: out of this process's
            // resident set (they stay in the page cache and come back if something reads them)
            MemorySegment src = m.tensor().data();
            if (done[i] != null && src.isMapped()) src.asSlice(m.tensor().type().bytesFor(m.rowOffset(0)), m.byteSize()).unload();
        });
        for (int i = 0; i < done.length; i++) {
            if (fits[i] && done[i] == null) {           // values the copy cannot hold (see RowInterleaved.pack): row by row
                long need = RowInterleaved.packedBytes(todo.get(i));
                packed--;
                packedBytes -= need;
                left++;
                leftBytes += need;
            }
        }
        synchronized (PACKED) {
            for (int i = 0; i < done.length; i++) PACKED.putIfAbsent(todo.get(i), done[i] != null ? done[i] : NOT_PACKED);
        }
        return new Packing(packed, packedBytes, left, leftBytes);
    }

    /** The packed copy of w, packing it now if it can be and never was tried; null when w stays row by row. */
    static RowInterleaved packed(Matrix w) {
        if (!RowInterleaved.packable(w)) return null;
        synchronized (PACKED) {
            Object p = PACKED.get(w);
            if (p == null) {
                p = RowInterleaved.packedBytes(w) <= freeHeap() ? RowInterleaved.pack(w) : null;
                if (p == null) p = NOT_PACKED;
                PACKED.put(w, p);
            }
            return p instanceof RowInterleaved r ? r : null;
        }
    }

    private static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - HEAP_RESERVE;
    }

    @Override
    public void matmul(Matrix w, float[] x, int tokens, float[] out) {
        matmulMany(new Matrix[]{w}, x, tokens, new float[][]{out});
    }

    /**
     * One parallel pass over the rows of all {@code ws} (same input x): activations are quantized
     * once per layout, and the threads share a single fork/join instead of one per matrix.
     */
    @Override
    public void matmulMany(Matrix[] ws, float[] x, int tokens, float[][] outs) {
        if (tokens <= 0) return;
        int cols = ws[0].cols();
        if ((long) tokens * cols > x.length) {
            throw new IllegalArgumentException("matmul of " + tokens + " rows of " + cols + " needs " + (long) tokens * cols + " activations, array has " + x.length);
        }
        int[] start = new int[ws.length + 1];
        RowInterleaved[] packed = new RowInterleaved[ws.length];
        boolean anyQ8 = false, anyQ4 = false, anySplit = false;
        for (int i = 0; i < ws.length; i++) {
            Matrix w = ws[i];
            if (w.cols() != cols) throw new IllegalArgumentException("matmul: matrix " + i + " has " + w.cols() + " columns, not " + cols);
            if ((long) tokens * w.rows() > outs[i].length) {
                throw new IllegalArgumentException("matmul of " + tokens + " rows of " + w.rows() + " outputs needs " + (long) tokens * w.rows()
                        + " floats, array has " + outs[i].length);
            }
            start[i + 1] = start[i] + w.rows();
            packed[i] = packed(w);
            anyQ8 |= w.tensor() instanceof Q8_0Tensor || w.tensor() instanceof KQuantTensor || packed[i] != null;
            anyQ4 |= w.tensor() instanceof Q4_0Tensor && packed[i] == null;
            anySplit |= w.tensor() instanceof F16Tensor && F16Tensor.takesSplitActivations(cols);
        }
        // quantized only once every argument is known to be valid
        final Q8Activations a8 = anyQ8 ? quantize(x, tokens, cols, false) : null;
        final Q8Activations a4 = anyQ4 ? quantize(x, tokens, cols, true) : null;
        final SplitActivations split = anySplit ? SPLIT.get().prepare(x, tokens, cols) : null;
        int total = start[ws.length];
        Parallel.forRange(total, grain(total, tokens), (g0, g1) -> {
            for (int i = 0; i < ws.length; i++) {
                int r0 = Math.max(g0, start[i]) - start[i], r1 = Math.min(g1, start[i + 1]) - start[i];
                if (r0 < r1) rows(ws[i], packed[i], x, a8, a4, split, tokens, outs[i], r0, r1);
            }
        });
    }

    /**
     * Token rows per pass over a range of weight rows: the range's weights (≤ ~1 MiB) and this
     * many activation rows stay in L2 while every pair is multiplied, however long the prompt.
     */
    private static final int TOKEN_BLOCK = 64;

    /** Rows [r0, r1) of one product; the tensor format is dispatched once per range. */
    private static void rows(Matrix w, RowInterleaved packed, float[] x, Q8Activations a8, Q8Activations a4, SplitActivations split, int tokens, float[] out, int r0, int r1) {
        int rows = w.rows(), cols = w.cols();
        for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
            int tb = Math.min(TOKEN_BLOCK, tokens - t0), xo = t0 * cols, oo = t0 * rows;
            if (packed != null) {
                packed.dotTokens(r0, r1, a8, t0, tb, out, oo, rows);
                continue;
            }
            switch (w.tensor()) {
                case Q8_0Tensor q -> q.dotTokens(w.rowOffset(r0), r1 - r0, a8, t0, tb, out, oo + r0, rows);
                case Q4_0Tensor q -> q.dotTokens(w.rowOffset(r0), r1 - r0, a4, t0, tb, out, oo + r0, rows);
                case KQuantTensor k -> k.dotTokens(w.rowOffset(r0), r1 - r0, a8, t0, tb, out, oo + r0, rows);
                case F16Tensor f when split != null && tb == 1 -> f.dotRows(w.rowOffset(r0), r1 - r0, split, cols, out, oo + r0);
                case F16Tensor f when split != null -> f.dotRowsTokens(w.rowOffset(r0), r1 - r0, split, t0, tb, cols, out, oo + r0, rows);
                case F32Tensor f -> { for (int r = r0; r < r1; r++) f.dotTokens(w.rowOffset(r), x, xo, cols, tb, cols, out, oo + r, rows); }
                case WidenedTensor f when tb == 1 -> f.dotRows(w.rowOffset(r0), r1 - r0, x, xo, cols, out, oo + r0);
                case WidenedTensor f -> f.dotRowsTokens(w.rowOffset(r0), r1 - r0, x, xo, cols, tb, cols, out, oo + r0, rows);
                case BF16Tensor f -> { for (int r = r0; r < r1; r++) f.dotTokens(w.rowOffset(r), x, xo, cols, tb, cols, out, oo + r, rows); }
                case Tensor t -> {
                    for (int r = r0; r < r1; r++) {
                        long off = w.rowOffset(r);
                        for (int tk = t0; tk < t0 + tb; tk++) out[tk * rows + r] = t.dot(off, x, tk * cols, cols);
                    }
                }
            }
        }
    }

    /** Q8_0-quantizes the activation rows once, in parallel when there are many. */
    private static Q8Activations quantize(float[] x, int tokens, int cols, boolean forQ4) {
        Q8Activations a = (forQ4 ? ACTIVATIONS_Q4 : ACTIVATIONS).get().prepare(tokens, cols, forQ4);
        if ((long) tokens * cols < 16384) {
            a.quantizeRows(x, 0, 0, tokens);
        } else {
            int per = Math.max(1, 4096 / cols);
            Parallel.forRange(tokens, per, (t0, t1) -> a.quantizeRows(x, 0, t0, t1));
        }
        return a;
    }

    /** About eight pieces per thread, at least MIN_ROWS_PER_PIECE rows (fewer with many tokens). */
    private static int grain(int rows, int tokens) {
        int pieces = Parallel.threads() * 8;
        int min = Math.max(1, MIN_ROWS_PER_PIECE / Math.min(tokens, 8));
        int g = Math.max(min, (rows + pieces - 1) / pieces);
        g = (g + RowInterleaved.GROUP - 1) / RowInterleaved.GROUP * RowInterleaved.GROUP;   // whole groups of packed rows
        // many tokens: a piece's weight rows are reused TOKEN_BLOCK times per block, so keep them
        // (≤ MAX_ROWS_MANY_TOKENS rows) in L2 next to the activation block
        return tokens > 8 ? Math.min(g, Math.max(min, MAX_ROWS_MANY_TOKENS)) : g;
    }

    private static final int MAX_ROWS_MANY_TOKENS = Integer.getInteger("unimoe.rowsPerPiece", 64);

    @Override
    public String name() { return "cpu"; }
}
