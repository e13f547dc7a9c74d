package dev.unimoe.tokenizer;

/**
 * Open-addressing map from a pair of token ids to a packed long value, so that the merge lookup
 * in the BPE inner loop allocates nothing. Absent keys give -1; values must be non-negative.
 */
final class PairMap {
    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        java.util.Arrays.fill(keys, -1L);
        mask = cap - 1;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Stores the value for (a, b), replacing an earlier one (HF keeps the last duplicate merge). */
    void put(int a, int b, long value) {
        if ((size + 1) * 2 > keys.length) grow();
        long k = key(a, b);
        int i = slot(k, mask);
        while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
        if (keys[i] == -1L) size++;
        keys[i] = k;
        values[i] = value;
    }

    long get(int a, int b) {
        long k = key(a, b);
        int i = slot(k, mask);
        while (true) {
            long x = keys[i];
            if (x == k) return values[i];
            if (x == -1L) return -1L;
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] oldK = keys, oldV = values;
        keys = new long[oldK.length * 2];
        values = new long[oldK.length * 2];
        java.util.Arrays.fill(keys, -1L);
        mask = keys.length - 1;
        for (int j = 0; j < oldK.length; j++) {
            if (oldK[j] == -1L) continue;
            int i = slot(oldK[j], mask);
            while (keys[i] != -1L) i = (i + 1) & mask;
            keys[i] = oldK[j];
            values[i] = oldV[j];
        }
    }
}
