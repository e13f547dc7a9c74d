package dev.unimoe.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text around added tokens like HF's {@code AddedVocabulary::find_matches}: leftmost-longest
 * non-overlapping matches; a {@code single_word} token is skipped when glued to word characters;
 * {@code lstrip}/{@code rstrip} swallow the whitespace beside the token.
 */
final class AddedTokenMatcher {
    /** A piece of the input: text to tokenize ({@code id} = -1) or an added token. */
    record Piece(String text, int id, boolean atOrigin) {}

    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();

    AddedTokenMatcher(List<AddedToken> tokens) {
        Map<Character, List<AddedToken>> groups = new HashMap<>();
        for (AddedToken t : tokens) {
            if (t.match().isEmpty()) continue;
            groups.computeIfAbsent(t.match().charAt(0), k -> new ArrayList<>()).add(t);
        }
        for (var e : groups.entrySet()) {
            AddedToken[] a = e.getValue().toArray(AddedToken[]::new);
            java.util.Arrays.sort(a, Comparator.comparingInt((AddedToken t) -> -t.match().length()));
            byFirstChar.put(e.getKey(), a);
        }
    }

    boolean isEmpty() { return byFirstChar.isEmpty(); }

    /** Appends the pieces of {@code s} to {@code out}; empty text pieces are dropped as in HF. */
    void split(String s, boolean atOrigin, List<Piece> out) {
        if (byFirstChar.isEmpty()) {
            if (!s.isEmpty()) out.add(new Piece(s, -1, atOrigin));
            return;
        }
        int startOffset = 0;
        int i = 0;
        while (i < s.length()) {
            AddedToken[] cands = byFirstChar.get(s.charAt(i));
            AddedToken hit = null;
            if (cands != null) {
                for (AddedToken t : cands) if (s.startsWith(t.match(), i)) { hit = t; break; }
            }
            if (hit == null) { i++; continue; }
            int start = i, stop = i + hit.match().length();
            i = stop; // matches never overlap, even when this one is then discarded
            if (hit.singleWord()) {
                boolean startOk = start == 0 || !Chars.isWordChar(s.codePointBefore(start));
                boolean stopOk = stop == s.length() || !Chars.isWordChar(s.codePointAt(stop));
                if (!startOk || !stopOk) continue;
            }
            if (hit.lstrip()) {
                int ns = start;
                while (ns > 0 && Chars.isWhiteSpace(s.codePointBefore(ns))) ns -= Character.charCount(s.codePointBefore(ns));
                start = Math.max(ns, startOffset);
            }
            if (hit.rstrip()) {
                while (stop < s.length() && Chars.isWhiteSpace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
                i = stop;
            }
            if (startOffset < start) out.add(new Piece(s.substring(startOffset, start), -1, atOrigin && startOffset == 0));
            out.add(new Piece(s.substring(start, stop), hit.id(), atOrigin && start == 0));
            startOffset = stop;
        }
        if (startOffset < s.length()) out.add(new Piece(s.substring(startOffset), -1, atOrigin && startOffset == 0));
    }
}
