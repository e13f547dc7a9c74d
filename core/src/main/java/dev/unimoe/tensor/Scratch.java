package dev.unimoe.tensor;

/**
 * Per-thread, grow-only row buffers. The float-format kernels (F32, F16, BF16) first copy the
 * weight row they work on from the (memory-mapped) segment into one of these (a memcpy, no extra
 * DRAM traffic: the row is read once either way) and then run on a heap array, where C2 hoists
 * every bounds check out of the loop. The Q8_0 and Q4_0 kernels read their blocks in place: on
 * Java 25 that measured about 10% less CPU per decoded row than copying first (the copy itself
 * was the larger cost there), and within a few percent for prefill. The K-quants copy their
 * super-blocks into the byte buffer and unpack from there (see {@link KQuantTensor}).
 */
final class Scratch {
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private float[] floats = new float[0], floatsB = new float[0], activations = new float[0];
    private short[] shorts = new short[0];
    private byte[] bytes = new byte[0];

    private Scratch() {}

    static float[] floats(int n) {
        Scratch s = LOCAL.get();
        if (s.floats.length < n) s.floats = new float[grow(n)];
        return s.floats;
    }

    /** A second float buffer, for kernels that hold two widened stretches at once. */
    static float[] floatsB(int n) {
        Scratch s = LOCAL.get();
        if (s.floatsB.length < n) s.floatsB = new float[grow(n)];
        return s.floatsB;
    }

    /** Activation rows rearranged for a kernel (see {@link PairSplit}). */
    static float[] activations(int n) {
        Scratch s = LOCAL.get();
        if (s.activations.length < n) s.activations = new float[grow(n)];
        return s.activations;
    }

    static short[] shorts(int n) {
        Scratch s = LOCAL.get();
        if (s.shorts.length < n) s.shorts = new short[grow(n)];
        return s.shorts;
    }

    static byte[] bytes(int n) {
        Scratch s = LOCAL.get();
        if (s.bytes.length < n) s.bytes = new byte[grow(n)];
        return s.bytes;
    }

    private static int grow(int n) {
        return Math.max(n, 1024) + 64;
    }
}
