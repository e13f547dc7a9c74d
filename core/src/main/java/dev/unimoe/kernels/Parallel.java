package dev.unimoe.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The engine's parallel-for. A decode step issues a hundred-odd matrix products of tens of
 * microseconds each, so the fork/join must cost about a microsecond, not the tens that a
 * parallel stream costs: {@code threads() − 1} daemon workers spin for a short while after each
 * job (then park), the calling thread takes part in the work, and pieces are claimed from an
 * atomic counter so a core slowed down by something else simply takes fewer of them.
 *
 * <p>One job runs at a time: a call made while the pool is busy (from inside a body, or from a
 * second thread) runs serially on its caller, which keeps nesting safe. Exceptions thrown by a
 * body are rethrown on the caller once every piece has finished.
 *
 * <p>{@code -Dunimoe.threads=N} sets the thread count (default: available processors);
 * {@code -Dunimoe.spinMicros=N} how long an idle worker spins before parking (default 1000).
 */
public final class Parallel {
    private Parallel() {}

    private static final int THREADS = Math.max(1, Integer.getInteger("unimoe.threads", Runtime.getRuntime().availableProcessors()));
    private static final long SPIN_NANOS = Math.max(0, Long.getLong("unimoe.spinMicros", 1000)) * 1000;
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = startWorkers();
    private static volatile Job current;

    public static int threads() {
        return THREADS;
    }

    /** Runs body(i) for every i in [0, n), items claimed a few at a time by all threads. */
    public static void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        int grain = Math.max(1, n / (THREADS * 8));
        forRange(n, grain, (s, e) -> {
            for (int i = s; i < e; i++) body.accept(i);
        });
    }

    /** Runs body(chunkStart, chunkEnd) over [0, n) split into about one chunk per thread. */
    public static void forChunks(int n, int minChunk, ChunkBody body) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(THREADS, n / Math.max(1, minChunk)));
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        run(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    /**
     * Runs body over [0, n) in pieces of {@code grain} (the last one shorter), each claimed by
     * whichever thread is free: for uneven work or a machine with noisy neighbours.
     */
    public static void forRange(int n, int grain, ChunkBody body) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        int pieces = (int) (((long) n + g - 1) / g);
        if (pieces == 1) {
            body.run(0, n);
            return;
        }
        run(pieces, p -> body.run(p * g, (int) Math.min(n, (long) p * g + g)));
    }

    /** Runs task(p) for p in [0, pieces) on all threads; returns when all are done. */
    private static void run(int pieces, IntConsumer task) {
        if (WORKERS.length == 0 || !BUSY.compareAndSet(false, true)) {
            for (int p = 0; p < pieces; p++) task.accept(p);
            return;
        }
        try {
            Job job = new Job(pieces, task);
            current = job;
            for (Worker w : WORKERS) {
                if (w.sleeping) LockSupport.unpark(w.thread);
            }
            job.work();
            // the last pieces are in flight on other threads; if one of them was descheduled
            // (a busy machine), yielding lets the scheduler run it here
            long spinUntil = System.nanoTime() + 20_000;
            while (job.done.get() < pieces) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else Thread.yield();
            }
            current = null;
            Throwable error = job.error;
            if (error instanceof RuntimeException re) throw re;
            if (error instanceof Error er) throw er;
            if (error != null) throw new RuntimeException(error);
        } finally {
            BUSY.set(false);
        }
    }

    @FunctionalInterface
    public interface ChunkBody {
        void run(int start, int end);
    }

    private static final class Job {
        final int pieces;
        final IntConsumer task;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;

        Job(int pieces, IntConsumer task) {
            this.pieces = pieces;
            this.task = task;
        }

        void work() {
            int p;
            while ((p = next.getAndIncrement()) < pieces) {
                try {
                    if (error == null) task.accept(p);
                } catch (Throwable t) {
                    if (error == null) error = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Worker implements Runnable {
        final Thread thread;
        volatile boolean sleeping;

        Worker(int index) {
            thread = new Thread(this, "unimoe-worker-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            while (true) {
                Job j = current;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                    continue;
                }
                long idleSince = System.nanoTime();
                while ((j = current) == null || j == last) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        for (int i = 0; i < 64; i++) Thread.onSpinWait();
                        continue;
                    }
                    sleeping = true;
                    j = current;
                    if (j == null || j == last) LockSupport.park(this);
                    sleeping = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    private static Worker[] startWorkers() {
        Worker[] w = new Worker[THREADS - 1];
        for (int i = 0; i < w.length; i++) {
            w[i] = new Worker(i + 1);
            w[i].thread.start();
        }
        return w;
    }
}
