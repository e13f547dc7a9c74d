package dev.unimoe.tokenizer;

import java.util.Arrays;

/** Growable int array: token ids are collected without boxing. */
final class IntList {
    private int[] a;
    private int n;

    IntList() { this(16); }

    IntList(int capacity) { a = new int[Math.max(4, capacity)]; }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    void addAll(int[] v) {
        for (int x : v) add(x);
    }

    int[] toArray() { return Arrays.copyOf(a, n); }
}
