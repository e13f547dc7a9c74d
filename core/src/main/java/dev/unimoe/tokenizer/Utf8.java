package dev.unimoe.tokenizer;

/**
 * UTF-8 decoding with the replacement rules of Rust's {@code String::from_utf8_lossy} (which
 * HF tokenizers use): every maximal ill-formed subpart becomes one U+FFFD. Written out rather
 * than using {@link java.nio.charset.CharsetDecoder} so the replacement count is pinned down and
 * so that a stream decoder can stop before an incomplete trailing sequence.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /**
     * Decodes {@code b[from, to)} into {@code out}. When {@code last} is false, a trailing sequence
     * that is incomplete but could still become valid is left undecoded. Returns the index where
     * decoding stopped ({@code to} when everything was consumed).
     */
    static int decode(byte[] b, int from, int to, boolean last, StringBuilder out) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                out.append((char) c);
                i++;
                continue;
            }
            int need = continuationCount(c);
            if (need == 0) { // stray continuation byte, C0/C1 or F5..FF
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = c & (0x3F >> need);
            int j = i + 1;
            boolean bad = false;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) {
                    if (!last) return i;
                    out.append(REPLACEMENT); // truncated sequence: one U+FFFD for the whole subpart
                    return to;
                }
                int d = b[j] & 0xFF;
                if (d < lowerBound(c, k) || d > upperBound(c, k)) { bad = true; break; }
                cp = (cp << 6) | (d & 0x3F);
            }
            if (bad) {
                out.append(REPLACEMENT);
                i = j; // the bytes before the offending one form the maximal subpart
                continue;
            }
            out.appendCodePoint(cp);
            i = j;
        }
        return to;
    }

    /** Strict check, like Rust's {@code String::from_utf8(...).is_ok()}. */
    static boolean isValid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) { i++; continue; }
            int need = continuationCount(c);
            if (need == 0 || i + need >= to) return false;
            for (int k = 0; k < need; k++) {
                int d = b[i + 1 + k] & 0xFF;
                if (d < lowerBound(c, k) || d > upperBound(c, k)) return false;
            }
            i += need + 1;
        }
        return true;
    }

    /** Number of continuation bytes a lead byte announces; 0 when it cannot start a sequence. */
    private static int continuationCount(int c) {
        if (c >= 0xC2 && c <= 0xDF) return 1;
        if (c >= 0xE0 && c <= 0xEF) return 2;
        if (c >= 0xF0 && c <= 0xF4) return 3;
        return 0;
    }

    // Second-byte ranges exclude overlongs (E0, F0), surrogates (ED) and code points > U+10FFFF (F4).
    private static int lowerBound(int lead, int k) {
        if (k == 0 && lead == 0xE0) return 0xA0;
        if (k == 0 && lead == 0xF0) return 0x90;
        return 0x80;
    }

    private static int upperBound(int lead, int k) {
        if (k == 0 && lead == 0xED) return 0x9F;
        if (k == 0 && lead == 0xF4) return 0x8F;
        return 0xBF;
    }
}
