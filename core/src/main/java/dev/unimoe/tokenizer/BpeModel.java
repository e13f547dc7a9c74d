package dev.unimoe.tokenizer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * HF tokenizers' BPE model: a word starts as one symbol per character (unknown characters become
 * byte tokens or {@code unk}); then the adjacent pair with the lowest merge rank is merged
 * repeatedly (ties: leftmost), using a heap over a linked list of symbols so long words stay
 * O(n log n).
 */
final class BpeModel implements TokenModel {
    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_CAPACITY = 10_000;

    private final Vocab vocab;
    /** (left id, right id) → rank << 32 | merged id. */
    private final PairMap merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingPrefix;
    private final String endOfWordSuffix;
    private final int[] byteIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Vocab vocab, PairMap merges, int unkId, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges, String continuingPrefix, String endOfWordSuffix) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.continuingPrefix = continuingPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.byteIds = vocab.byteTokenIds();
    }

    static long mergeValue(int rank, int newId) {
        return ((long) rank << 32) | newId;
    }

    @Override
    public Vocab vocab() { return vocab; }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) { out.add(id); return; }
        }
        boolean cacheable = word.length() < CACHE_MAX_WORD;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) { out.addAll(hit); return; }
        }
        int[] ids = mergeWord(word);
        if (cacheable && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
        out.addAll(ids);
    }

    /** Symbols of a word as a doubly linked list in arrays; len 0 marks a symbol merged away. */
    private static final class Symbols {
        int[] id, len, prev, next;
        int n;

        Symbols(int capacity) {
            id = new int[capacity];
            len = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
        }

        void add(int c, int l) {
            if (n == id.length) {
                int cap = n * 2;
                id = java.util.Arrays.copyOf(id, cap);
                len = java.util.Arrays.copyOf(len, cap);
                prev = java.util.Arrays.copyOf(prev, cap);
                next = java.util.Arrays.copyOf(next, cap);
            }
            id[n] = c;
            len[n] = l;
            prev[n] = n - 1;
            next[n] = -1;
            if (n > 0) next[n - 1] = n;
            n++;
        }
    }

    /** HF's BPE::merge_word. */
    private int[] mergeWord(String w) {
        Symbols sy = new Symbols(w.length() + 4);
        int unkLen = 0; // HF appends a (possibly fused) unk only when the next known char arrives
        boolean unkPending = false;
        for (int i = 0; i < w.length(); ) {
            int end = i + Character.charCount(w.codePointAt(i));
            String s = w.substring(i, end);
            if (i > 0 && continuingPrefix != null) s = continuingPrefix + s;
            if (end == w.length() && endOfWordSuffix != null) s = s + endOfWordSuffix;
            int charLen = end - i;
            i = end;
            int tid = vocab.id(s);
            if (tid >= 0) {
                if (unkPending) { sy.add(unkId, unkLen); unkPending = false; }
                sy.add(tid, charLen);
                continue;
            }
            if (byteFallback) {
                byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) if (byteIds[b & 0xFF] < 0) { all = false; break; }
                if (all) {
                    for (byte b : bytes) sy.add(byteIds[b & 0xFF], 1);
                    continue;
                }
            }
            if (unkId >= 0) {
                if (unkPending && fuseUnk) {
                    unkLen += charLen;
                } else {
                    if (unkPending) sy.add(unkId, unkLen);
                    unkPending = true;
                    unkLen = charLen;
                }
            }
        }
        if (unkPending) sy.add(unkId, unkLen);
        mergeAll(sy.id, sy.len, sy.prev, sy.next, sy.n);
        IntList out = new IntList(sy.n);
        for (int i = 0; i < sy.n; i++) if (sy.len[i] != 0) out.add(sy.id[i]);
        return out.toArray();
    }

    /** Word::merge_all of HF: heap ordered by (rank, position); stale entries are skipped on pop. */
    private void mergeAll(int[] id, int[] len, int[] prev, int[] next, int n) {
        MergeQueue q = new MergeQueue(n);
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.get(id[i], id[i + 1]);
            if (m >= 0) q.push((m & 0xFFFFFFFF00000000L) | i, (int) m);
        }
        while (!q.isEmpty()) {
            int pos = (int) q.topKey();
            int newId = q.topValue();
            q.pop();
            if (len[pos] == 0 || next[pos] == -1) continue;
            int r = next[pos];
            long m = merges.get(id[pos], id[r]);
            if (m < 0 || (int) m != newId) continue;
            id[pos] = newId;
            len[pos] += len[r];
            next[pos] = next[r];
            len[r] = 0;
            if (next[r] != -1) prev[next[r]] = pos;
            int p = prev[pos];
            if (p >= 0) {
                long pm = merges.get(id[p], id[pos]);
                if (pm >= 0) q.push((pm & 0xFFFFFFFF00000000L) | p, (int) pm);
            }
            int nx = next[pos];
            if (nx != -1) {
                long nm = merges.get(id[pos], id[nx]);
                if (nm >= 0) q.push((nm & 0xFFFFFFFF00000000L) | pos, (int) nm);
            }
        }
    }
}
