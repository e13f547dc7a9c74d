package dev.unimoe.kernels;

import dev.unimoe.runtime.MachineProfile;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * Throughput of the CPU kernels, one line per figure:
 * <ul>
 * <li>a STREAM-like read bandwidth ({@link MachineProfile#readBandwidth}: sum of a 1 GiB off-heap
 *     array on all threads, best of 8 rounds);</li>
 * <li>per format, matrix-vector GB/s of weight bytes for 2048×1024 and 32000×1024, cycling
 *     through enough distinct matrices (≥ 256 MiB) that the weights come from DRAM, as when
 *     decoding a model of a few hundred MB;</li>
 * <li>per format, matrix-matrix GFLOP/s for 64 tokens × 2048×1024 (prefill).</li>
 * </ul>
 * Each figure is the best of several timed rounds (the median follows in parentheses): shared
 * machines are noisy. {@code -Dunimoe.threads=1} measures one core and adds the matrix-vector
 * rate per CPU-second of the thread, the figure to compare kernel changes by when other jobs
 * share the machine. Usage:
 * {@code java --add-modules jdk.incubator.vector -cp core/target/classes dev.unimoe.kernels.KernelBench [formats...]}
 */
public final class KernelBench {
    private static final long WORKING_SET = 256L << 20;
    private static final long DECODE_WEIGHTS = 215_000_000L;   // the Mixtral-shaped reference model

    private KernelBench() {}

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        DType[] formats = args.length == 0
                ? new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K}
                : Arrays.stream(args).map(s -> DType.valueOf(s.toUpperCase(Locale.ROOT))).toArray(DType[]::new);
        Kernels k = CpuKernels.INSTANCE;
        System.out.printf("threads %d, vector %d bits%n", Parallel.threads(), FloatVector.SPECIES_PREFERRED.vectorBitSize());
        double stream = MachineProfile.readBandwidth(1L << 30, 8);
        System.out.printf("stream read 1 GiB: %.1f GB/s%n", stream / 1e9);
        for (DType type : formats) {
            for (int rows : new int[] {2048, 32000}) {
                double[] r = matvec(k, type, rows, 1024);
                double bytesPerWeight = (double) type.blockBytes / type.blockSize;
                System.out.printf("matvec %-4s %5dx1024: %5.1f GB/s (median %5.1f), %.2f Gweights/s, %.0f%% of stream; ~%.0f tok/s for %dM weights%n",
                        type, rows, r[0] / 1e9, r[1] / 1e9, r[0] / bytesPerWeight / 1e9, 100 * r[0] / stream,
                        r[0] / bytesPerWeight / DECODE_WEIGHTS, DECODE_WEIGHTS / 1_000_000);
                // one thread: GB/s per CPU-second of the thread, which other jobs on the machine barely move
                if (Parallel.threads() == 1) System.out.printf("       per CPU-second of the thread: %5.1f GB/s%n", r[2] / 1e9);
            }
            double[] g = matmul(k, type, 64, 2048, 1024);
            System.out.printf("matmul %-4s 64 tokens x 2048x1024: %6.1f GFLOP/s (median %6.1f)%n", type, g[0] / 1e9, g[1] / 1e9);
        }
    }

    /**
     * Random weights of {@code type} shaped like real ones: float formats get magnitudes in
     * [2^-9, 2^-2) (no subnormals, infinities or NaNs, which real checkpoints do not have and
     * which some CPUs handle in microcode), block formats random quants with d in [2^-8, 2^-7).
     */
    static Tensor randomTensor(Arena arena, DType type, long elements, long seed) {
        long bytes = type.bytesFor(elements);
        MemorySegment seg = arena.allocate((bytes + 7) & ~7L, 64);
        ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long s = seed * 0x9E3779B97F4A7C15L + 1;
        for (long o = 0; o + 8 <= seg.byteSize(); o += 8) {
            s ^= s << 13; s ^= s >>> 7; s ^= s << 17;
            long v = switch (type) {
                // per 32-bit float: keep sign and mantissa, exponent 118..125
                case F32 -> (s & 0x807FFFFF_807FFFFFL) | (((s >>> 23) & 0x00000007_00000007L) + 0x00000076_00000076L) << 23;
                // per 16-bit half: exponent 6..13
                case F16 -> (s & 0x83FF_83FF_83FF_83FFL) | (((s >>> 10) & 0x0007_0007_0007_0007L) + 0x0006_0006_0006_0006L) << 10;
                // per bfloat16: exponent 118..125
                case BF16 -> (s & 0x807F_807F_807F_807FL) | (((s >>> 7) & 0x0007_0007_0007_0007L) + 0x0076_0076_0076_0076L) << 7;
                default -> s;
            };
            seg.set(L, o, v);
        }
        if (type.quantized()) {
            ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            long[] halves = switch (type) {                          // where each block keeps its f16 scales
                case Q4_K, Q5_K -> new long[] {0, 2};
                case Q6_K -> new long[] {208};
                default -> new long[] {0};
            };
            for (long b = 0; b < elements / type.blockSize; b++) {
                for (long h : halves) {
                    long o = b * type.blockBytes + h;
                    short raw = seg.get(S16, o);
                    seg.set(S16, o, (short) (0x1C00 | (raw & 0x3FF)));   // d in [2^-8, 2^-7)
                }
            }
        }
        return Tensor.of(type, seg, elements);
    }

    /** {best, median, best per CPU-second of the calling thread} weight bytes per second of matrix-vector products over a DRAM-sized working set. */
    static double[] matvec(Kernels k, DType type, int rows, int cols) {
        long perMatrix = type.bytesFor((long) rows * cols);
        int count = (int) Math.max(2, (WORKING_SET + perMatrix - 1) / perMatrix);
        try (Arena arena = Arena.ofShared()) {   // shared, as MappedFile maps models
            Tensor t = randomTensor(arena, type, (long) rows * cols * count, 42);
            Matrix[] ms = new Matrix[count];
            for (int i = 0; i < count; i++) ms[i] = new Matrix(t, (long) i * rows * cols, rows, cols);
            float[] x = randomActivations(cols, 7);
            float[] out = new float[rows];
            long bytesPerRound = perMatrix * count;
            int rounds = (int) Math.max(3, Math.min(40, 2_000_000_000L / bytesPerRound));
            for (int w = 0; w < 3; w++) for (Matrix m : ms) k.matmul(m, x, 1, out);
            double[] rates = new double[rounds];
            double cpuBest = 0;
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                for (Matrix m : ms) k.matmul(m, x, 1, out);
                rates[r] = bytesPerRound * 1e9 / (System.nanoTime() - t0);
                cpuBest = Math.max(cpuBest, bytesPerRound * 1e9 / (mx.getCurrentThreadCpuTime() - c0));
            }
            double[] wall = bestAndMedian(rates);
            return new double[] {wall[0], wall[1], cpuBest};
        }
    }

    /** {best, median} FLOP/s (2·tokens·rows·cols per product) of a prefill matrix product. */
    static double[] matmul(Kernels k, DType type, int tokens, int rows, int cols) {
        try (Arena arena = Arena.ofShared()) {   // shared, as MappedFile maps models
            Tensor t = randomTensor(arena, type, (long) rows * cols, 43);
            Matrix m = Matrix.of(t, rows, cols);
            float[] x = randomActivations(tokens * cols, 8);
            float[] out = new float[tokens * rows];
            double flops = 2.0 * tokens * rows * cols;
            for (int w = 0; w < 5; w++) k.matmul(m, x, tokens, out);
            int rounds = 25;
            double[] rates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                k.matmul(m, x, tokens, out);
                rates[r] = flops * 1e9 / (System.nanoTime() - t0);
            }
            return bestAndMedian(rates);
        }
    }

    static float[] randomActivations(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static double[] bestAndMedian(double[] rates) {
        double[] s = rates.clone();
        Arrays.sort(s);
        return new double[] {s[s.length - 1], s[s.length / 2]};
    }
}
