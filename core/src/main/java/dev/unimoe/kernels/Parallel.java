package dev.unimoe.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** The engine's one parallel-for: chunks of [0, n) run on the common pool, one chunk per worker. */
public final class Parallel {
    private Parallel() {}

    public static int threads() {
        return ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /** Runs body(i) for every i in [0, n); small ranges run on the calling thread. */
    public static void forEach(int n, IntConsumer body) {
        if (n <= 1 || threads() == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        IntStream.range(0, n).parallel().forEach(body);
    }

    /** Runs body(chunkStart, chunkEnd) over [0, n) split into about one chunk per thread. */
    public static void forChunks(int n, int minChunk, ChunkBody body) {
        int t = threads();
        int chunks = Math.max(1, Math.min(t, n / Math.max(1, minChunk)));
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    @FunctionalInterface
    public interface ChunkBody {
        void run(int start, int end);
    }
}
