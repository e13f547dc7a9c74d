package dev.unimoe.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * llama.cpp's SentencePiece tokenizer (llm_tokenizer_spm): start from one symbol per character,
 * repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the highest
 * score (ties: leftmost), then emit each symbol's token, or its UTF-8 bytes as {@code <0xXX>}
 * tokens when the symbol is a character the vocabulary lacks.
 */
final class SpmModel implements TokenModel {
    private final Vocab vocab;
    private final float[] scores;
    private final int[] byteIds;
    private final int unkId;

    SpmModel(Vocab vocab, float[] scores, int unkId) {
        this.vocab = vocab;
        this.scores = scores;
        this.unkId = unkId;
        this.byteIds = vocab.byteTokenIds();
    }

    @Override
    public Vocab vocab() { return vocab; }

    /** Heap key: higher score first, then smaller left index (the heap pops the smallest key). */
    private static long key(float score, int left) {
        int bits = Float.floatToIntBits(score + 0.0f); // -0.0 and 0.0 must tie, as in llama.cpp's float compare
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF); // int order == float order
        return ((long) ~sortable << 32) | left;
    }

    @Override
    public void tokenize(String text, IntList out) {
        int count = text.codePointCount(0, text.length());
        int[] start = new int[count], len = new int[count], prev = new int[count], next = new int[count];
        for (int i = 0, off = 0; i < count; i++) {
            int l = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = l;
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
            off += l;
        }
        MergeQueue q = new MergeQueue(count);
        for (int i = 1; i < count; i++) tryAddBigram(text, start, len, i - 1, i, q);
        while (!q.isEmpty()) {
            int left = (int) q.topKey();
            int size = q.topValue();
            q.pop();
            int right = next[left];
            // stale when either side has changed since the bigram was queued
            if (len[left] == 0 || right < 0 || len[left] + len[right] != size) continue;
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            tryAddBigram(text, start, len, prev[left], left, q);
            tryAddBigram(text, start, len, left, next[left], q);
        }
        for (int i = count > 0 ? 0 : -1; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            // Only single characters can miss the vocabulary: merged symbols are tokens by construction.
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int bid = byteIds[b & 0xFF];
                if (bid >= 0) out.add(bid);
                else if (unkId >= 0) out.add(unkId);
            }
        }
    }

    private void tryAddBigram(String text, int[] start, int[] len, int left, int right, MergeQueue q) {
        if (left < 0 || right < 0) return;
        int size = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + size));
        if (id < 0 || id >= scores.length) return;
        q.push(key(scores[id], left), size);
    }
}
