package dev.unimoe.encoders;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.kernels.Parallel;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;
import org.apache.commons.math3.special.Erf;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forward-pass speed of the two real Uni-MoE towers with random F32 weights of their shapes:
 * CLIP ViT-L/14-336 (577 tokens) and the Whisper-small encoder (one 30 s chunk, 1500 rows).
 * Prints seconds per forward (after a warm-up), the matmul GFLOP/s achieved (every
 * {@link Kernels#matmul} call counted, attention's Q·Kᵀ and P·V included), that figure as a
 * share of this machine's F32 matmul throughput (the better of 512 and 64 tokens × 4096×1024,
 * best of 3 each), the share of
 * the time spent inside matmul, and the cost of the GELU variants. Needs about 3 GB of heap:
 * {@code java --add-modules jdk.incubator.vector -Xmx4g -cp core/target/classes:commons-math3.jar dev.unimoe.encoders.EncoderBench [runs]}
 */
public final class EncoderBench {
    private EncoderBench() {}

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        System.out.printf("threads %d%n", Parallel.threads());
        geluCost();
        // The kernel reads each weight row once for all tokens, so 512 token rows (2 MiB) stream
        // from beyond L2 for every row; 64 rows stay in cache. The better of the two is the peak.
        double p512 = peakMatmul(CpuKernels.INSTANCE, 512), p64 = peakMatmul(CpuKernels.INSTANCE, 64);
        double peak = Math.max(p512, p64);
        System.out.printf("F32 matmul x 4096x1024 (best of 3): 512 tokens %.1f GFLOP/s, 64 tokens %.1f GFLOP/s%n", p512 / 1e9, p64 / 1e9);

        Counting k = new Counting(CpuKernels.INSTANCE);
        ClipVisionConfig clip = new ClipVisionConfig(336, 14, 1024, 24, 16, 4096, Activation.QUICK_GELU, 1e-5f, 3);
        try (ClipVisionTower tower = ClipVisionTower.load(clip, new RandomSource(1), k)) {
            float[] px = random(new SplittableRandom(7), 3 * 336 * 336, 1f);
            report("CLIP ViT-L/14-336, 577 tokens, 24 layers", () -> tower.forward(px), k, peak, runs);
        }
        WhisperConfig whisper = new WhisperConfig(80, 768, 12, 12, 3072, 12, 12, 3072, 1500, 448, Activation.GELU);
        try (WhisperEncoder enc = WhisperEncoder.load(whisper, new RandomSource(2), k)) {
            float[] mel = random(new SplittableRandom(8), 80 * 3000, 1f);
            report("Whisper-small encoder, 3000 frames -> 1500 rows, 12 layers", () -> enc.forward(mel), k, peak, runs);
        }
    }

    private static void report(String what, Runnable forward, Counting k, double peak, int runs) {
        forward.run();   // warm-up: JIT, page-in
        double best = Double.MAX_VALUE;
        long flops = 0, inMatmul = 0;
        for (int r = 0; r < runs; r++) {
            k.reset();
            long t0 = System.nanoTime();
            forward.run();
            double s = (System.nanoTime() - t0) / 1e9;
            if (s < best) {
                best = s;
                flops = k.flops.get();
                inMatmul = k.nanos.get();
            }
        }
        double rate = flops / best;
        System.out.printf("%s: %.3f s, %.1f GFLOP, %.1f GFLOP/s = %.0f%% of the matmul peak; %.0f%% of the time in matmul%n",
                what, best, flops / 1e9, rate / 1e9, 100 * rate / peak, 100 * inMatmul / 1e9 / best);
    }

    /** FLOP/s of the best of 3 F32 products of {@code tokens} rows with a 4096×1024 weight, after one warm-up. */
    static double peakMatmul(Kernels k, int tokens) {
        int rows = 4096, cols = 1024;
        Matrix w = Matrix.of(f32(random(new SplittableRandom(3), rows * cols, 0.05f)), rows, cols);
        float[] x = random(new SplittableRandom(4), tokens * cols, 1f), out = new float[tokens * rows];
        k.matmul(w, x, tokens, out);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            k.matmul(w, x, tokens, out);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * rows * cols * tokens / best;
    }

    /** ns per element of exact GELU: the vector loop, its scalar twin, and Commons Math's erf. */
    static void geluCost() {
        int n = 1 << 20;
        float[] x = random(new SplittableRandom(5), n, 3f), y = new float[n];
        double vec = Double.MAX_VALUE, scalar = Double.MAX_VALUE, commons = Double.MAX_VALUE, quick = Double.MAX_VALUE;
        for (int rep = 0; rep < 8; rep++) {
            System.arraycopy(x, 0, y, 0, n);
            long t0 = System.nanoTime();
            EncoderOps.gelu(y, 0, n);
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) y[i] = EncoderOps.gelu(x[i]);
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i += 16) y[i] = (float) (0.5 * x[i] * (1 + Erf.erf(x[i] * 0.7071067811865476)));
            long t3 = System.nanoTime();
            System.arraycopy(x, 0, y, 0, n);
            long t4 = System.nanoTime();
            EncoderOps.quickGelu(y, 0, n);
            long t5 = System.nanoTime();
            vec = Math.min(vec, (t1 - t0) / (double) n);
            scalar = Math.min(scalar, (t2 - t1) / (double) n);
            commons = Math.min(commons, (t3 - t2) / (n / 16.0));
            quick = Math.min(quick, (t5 - t4) / (double) n);
        }
        System.out.printf("one thread, ns/element: GELU vector %.2f, GELU scalar %.2f, GELU with Commons Math erf %.1f; quick_gelu vector %.2f%n",
                vec, scalar, commons, quick);
    }

    static float[] random(SplittableRandom r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1) * scale;
        return a;
    }

    static Tensor f32(float[] a) {
        return Tensor.of(DType.F32, MemorySegment.ofArray(a), a.length);
    }

    /** Any tensor asked for, of the asked shape: U(−0.05, 0.05), norm weights around 1, small biases. */
    record RandomSource(long seed) implements TensorSource {
        @Override public String where() { return "random weights"; }
        @Override public boolean has(String name) { return true; }
        @Override public long[] shape(String name) { throw new UnsupportedOperationException("random weights take the shape the loader asks for"); }
        @Override public Tensor tensor(String name) { throw new UnsupportedOperationException("random weights need a shape"); }

        @Override
        public Tensor tensor(String name, long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            SplittableRandom r = new SplittableRandom(seed ^ name.hashCode());
            float[] a = random(r, Math.toIntExact(n), name.endsWith(".bias") ? 0.01f : 0.05f);
            if (name.endsWith("norm.weight") || name.endsWith("norm1.weight") || name.endsWith("norm2.weight")) {
                for (int i = 0; i < a.length; i++) a[i] += 1f;
            }
            return f32(a);
        }
    }

    /** Kernels that count matmul FLOPs (2·rows·cols·tokens) and the time spent in them. */
    static final class Counting implements Kernels {
        final Kernels inner;
        final AtomicLong flops = new AtomicLong(), nanos = new AtomicLong();

        Counting(Kernels inner) {
            this.inner = inner;
        }

        void reset() {
            flops.set(0);
            nanos.set(0);
        }

        @Override
        public void matmul(Matrix w, float[] x, int tokens, float[] out) {
            long t0 = System.nanoTime();
            inner.matmul(w, x, tokens, out);
            nanos.addAndGet(System.nanoTime() - t0);
            flops.addAndGet(2L * w.rows() * w.cols() * tokens);
        }

        @Override
        public String name() { return "counting " + inner.name(); }
    }
}
