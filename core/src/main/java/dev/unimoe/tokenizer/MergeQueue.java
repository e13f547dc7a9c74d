package dev.unimoe.tokenizer;

import java.util.Arrays;

/** Binary min-heap of (long priority, int payload) used by both merge algorithms. */
final class MergeQueue {
    private long[] keys;
    private int[] vals;
    private int n;

    MergeQueue(int capacity) {
        keys = new long[Math.max(8, capacity)];
        vals = new int[keys.length];
    }

    boolean isEmpty() { return n == 0; }

    long topKey() { return keys[0]; }

    int topValue() { return vals[0]; }

    void push(long key, int value) {
        if (n == keys.length) {
            keys = Arrays.copyOf(keys, n * 2);
            vals = Arrays.copyOf(vals, n * 2);
        }
        int i = n++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (keys[p] <= key) break;
            keys[i] = keys[p];
            vals[i] = vals[p];
            i = p;
        }
        keys[i] = key;
        vals[i] = value;
    }

    void pop() {
        long key = keys[--n];
        int value = vals[n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && keys[c + 1] < keys[c]) c++;
            if (keys[c] >= key) break;
            keys[i] = keys[c];
            vals[i] = vals[c];
            i = c;
        }
        keys[i] = key;
        vals[i] = value;
    }
}
