package dev.unimoe.runtime;

import dev.unimoe.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this machine can do, measured: DRAM read bandwidth; and what this process used: peak RSS. */
public final class MachineProfile {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private MachineProfile() {}

    /**
     * Read bandwidth in bytes/s: all threads sum disjoint parts of an off-heap buffer far larger
     * than the caches, best of {@code rounds}; the same access pattern as a matrix-vector product.
     */
    public static double readBandwidth(long bytes, int rounds) {
        try (Arena arena = Arena.ofShared()) {   // read by every worker thread
            MemorySegment seg = arena.allocate(bytes, 64);
            seg.fill((byte) 1);
            int chunks = Parallel.threads() * 8;
            long per = bytes / chunks / (S.length() * 4L) * (S.length() * 4L);
            double best = 0;
            float[] sink = new float[chunks];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                Parallel.forEach(chunks, c -> {
                    FloatVector acc = FloatVector.zero(S);
                    long base = c * per;
                    for (long o = 0; o < per; o += S.length() * 4L) {
                        acc = acc.add(FloatVector.fromMemorySegment(S, seg, base + o, ByteOrder.LITTLE_ENDIAN));
                    }
                    sink[c] = acc.reduceLanes(VectorOperators.ADD);
                });
                long dt = System.nanoTime() - t0;
                best = Math.max(best, per * chunks * 1e9 / dt);
            }
            if (Float.isNaN(sink[0])) System.err.print("");
            return best;
        }
    }

    /** Peak resident set size of this process in bytes (Linux VmHWM), or -1 where unknown. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    /**
     * The machine's CPU time so far as {steal, total} clock ticks (Linux /proc/stat), or null where
     * unknown. On a shared virtual machine "steal" is time the host gave to other guests: wall-clock
     * rates drop by about that share, so a benchmark reports it beside its figures.
     */
    public static long[] cpuTicks() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (!line.startsWith("cpu ")) continue;
                String[] p = line.substring(4).trim().split("\\s+");
                long total = 0;
                for (int i = 0; i < Math.min(p.length, 8); i++) total += Long.parseLong(p[i]);   // user..steal; guest is inside user
                return new long[]{p.length > 7 ? Long.parseLong(p[7]) : 0, total};
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    /** Share of the machine's CPU time stolen by the host between two {@link #cpuTicks} readings, or NaN. */
    public static double stealShare(long[] from, long[] to) {
        if (from == null || to == null || to[1] <= from[1]) return Double.NaN;
        return (double) (to[0] - from[0]) / (to[1] - from[1]);
    }

    /**
     * CPU time the live Java threads have used, in nanoseconds, or -1 where unknown: per-thread
     * clocks, precise to the nanosecond (the process clock counts 10 ms ticks, too coarse for a
     * few decode steps of a small model). The engine's workers live as long as the process; the
     * JIT's and GC's own threads are not counted.
     */
    public static long processCpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!mx.isThreadCpuTimeSupported()) return -1;
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t > 0) sum += t;
        }
        return sum;
    }
}
