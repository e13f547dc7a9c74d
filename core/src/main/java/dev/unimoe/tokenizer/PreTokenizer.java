package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * tokenizer.json {@code pre_tokenizer}: splits normalized text into words that the model encodes
 * independently. Splitting follows HF's {@code NormalizedString::split}: the pattern's matches
 * and the gaps between them cover the text, a {@link Behavior} decides what to keep and join, and
 * empty pieces are dropped.
 */
sealed interface PreTokenizer {

    /** A piece of text; {@code atOrigin} when it starts at offset 0 of the input (Metaspace "first"). */
    record Word(String text, boolean atOrigin) {}

    List<Word> apply(List<Word> words);

    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public List<Word> apply(List<Word> words) {
            for (PreTokenizer p : steps) words = p.apply(words);
            return words;
        }
    }

    record Split(TextPattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        public List<Word> apply(List<Word> words) {
            List<Word> out = new ArrayList<>();
            for (Word w : words) split(w, covering(w.text(), pattern.find(w.text())), behavior, invert, out);
            return out;
        }
    }

    /** GPT-2 style: optional leading space, regex split, then every byte written as a visible char. */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final String GPT2_REGEX =
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
        private static final TextPattern GPT2 =
                new TextPattern(null, Pattern.compile(GPT2_REGEX, Pattern.UNICODE_CHARACTER_CLASS));

        public List<Word> apply(List<Word> words) {
            List<Word> split = new ArrayList<>();
            for (Word w : words) {
                String t = addPrefixSpace && !w.text().startsWith(" ") ? " " + w.text() : w.text();
                Word p = new Word(t, w.atOrigin());
                if (useRegex) split(p, covering(t, GPT2.find(t)), Behavior.ISOLATED, false, split);
                else split.add(p);
            }
            List<Word> out = new ArrayList<>(split.size());
            for (Word w : split) out.add(new Word(ByteLevelAlphabet.encode(w.text()), w.atOrigin()));
            return out;
        }
    }

    /** SentencePiece-style: spaces become the replacement char, optionally prefixed, split before it. */
    record Metaspace(int replacement, String scheme, boolean split) implements PreTokenizer {
        public List<Word> apply(List<Word> words) {
            String rep = Character.toString(replacement);
            List<Word> out = new ArrayList<>();
            for (Word w : words) {
                String t = w.text().replace(" ", rep);
                boolean prepend = switch (scheme) {
                    case "always" -> true;
                    case "first" -> w.atOrigin();
                    default -> false;
                };
                if (prepend && !t.startsWith(rep)) t = rep + t;
                Word p = new Word(t, w.atOrigin());
                if (split) PreTokenizer.split(p, chars(t, c -> c == replacement), Behavior.MERGED_WITH_NEXT, false, out);
                else out.add(p);
            }
            return out;
        }
    }

    record CharSplit(IntPredicate predicate, Behavior behavior) implements PreTokenizer {
        public List<Word> apply(List<Word> words) {
            List<Word> out = new ArrayList<>();
            for (Word w : words) split(w, chars(w.text(), predicate), behavior, false, out);
            return out;
        }
    }

    /** HF {@code Whitespace}: keeps the matches of {@code \w+|[^\w\s]+}. */
    static PreTokenizer whitespace() {
        return new Split(new TextPattern(null, Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS)),
                Behavior.REMOVED, true);
    }

    /** Covering list of {start, end, isMatch} for regex/literal matches, gaps included. */
    static List<int[]> covering(String s, List<int[]> matches) {
        List<int[]> out = new ArrayList<>(matches.size() * 2 + 1);
        int prev = 0;
        for (int[] m : matches) {
            if (prev != m[0]) out.add(new int[] {prev, m[0], 0});
            out.add(new int[] {m[0], m[1], 1});
            prev = m[1];
        }
        if (prev != s.length()) out.add(new int[] {prev, s.length(), 0});
        return out;
    }

    /** Covering list where every character satisfying {@code p} is its own match. */
    static List<int[]> chars(String s, IntPredicate p) {
        List<int[]> out = new ArrayList<>();
        int last = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int e = i + Character.charCount(c);
            if (p.test(c)) {
                if (last < i) out.add(new int[] {last, i, 0});
                out.add(new int[] {i, e, 1});
                last = e;
            }
            i = e;
        }
        if (last < s.length()) out.add(new int[] {last, s.length(), 0});
        return out;
    }

    static void split(Word w, List<int[]> pieces, Behavior behavior, boolean invert, List<Word> out) {
        List<int[]> kept = new ArrayList<>(pieces.size());
        boolean previous = false;
        switch (behavior) {
            case ISOLATED -> kept.addAll(pieces);
            case REMOVED -> {
                for (int[] p : pieces) if ((p[2] == 1) == invert) kept.add(p);
            }
            case CONTIGUOUS -> {
                for (int[] p : pieces) {
                    boolean m = (p[2] == 1) != invert;
                    if (m == previous && !kept.isEmpty()) kept.getLast()[1] = p[1];
                    else kept.add(p.clone());
                    previous = m;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                for (int[] p : pieces) {
                    boolean m = (p[2] == 1) != invert;
                    if (m && !previous && !kept.isEmpty()) kept.getLast()[1] = p[1];
                    else kept.add(p.clone());
                    previous = m;
                }
            }
            case MERGED_WITH_NEXT -> {
                for (int i = pieces.size() - 1; i >= 0; i--) {
                    int[] p = pieces.get(i);
                    boolean m = (p[2] == 1) != invert;
                    if (m && !previous && !kept.isEmpty()) kept.getLast()[0] = p[0];
                    else kept.add(p.clone());
                    previous = m;
                }
                java.util.Collections.reverse(kept);
            }
        }
        for (int[] p : kept) {
            if (p[0] == p[1]) continue;
            out.add(new Word(w.text().substring(p[0], p[1]), w.atOrigin() && p[0] == 0));
        }
    }

    static Behavior behavior(JsonNode n) {
        String b = n.asString();
        return switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw n.error("one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous, found \"" + b + "\"");
        };
    }

    /** Metaspace's prepend scheme, honouring the older {@code add_prefix_space} flag. */
    static String prependScheme(JsonNode n) {
        String scheme = n.string("prepend_scheme", "always");
        if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw n.get("prepend_scheme").error("\"always\", \"first\" or \"never\", found \"" + scheme + "\"");
        }
        if (n.has("add_prefix_space") && !n.get("add_prefix_space").asBool()) scheme = "never";
        return scheme;
    }

    /** Builds the pre-tokenizer described at {@code n}; null when the field is null. */
    static PreTokenizer fromJson(JsonNode n) {
        if (n.isNull()) return null;
        String type = n.string("type");
        return switch (type) {
            case "Sequence" -> new Sequence(n.require("pretokenizers").asList().stream().map(PreTokenizer::fromJson).toList());
            case "Split" -> new Split(TextPattern.fromJson(n.require("pattern")), behavior(n.require("behavior")),
                    n.bool("invert", false));
            case "ByteLevel" -> new ByteLevel(n.bool("add_prefix_space", true), n.bool("use_regex", true));
            case "Metaspace" -> new Metaspace(n.codePoint("replacement"), prependScheme(n), n.bool("split", true));
            case "Digits" -> new CharSplit(Chars::isNumeric,
                    n.bool("individual_digits", false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
            case "Whitespace" -> whitespace();
            case "WhitespaceSplit" -> new CharSplit(Chars::isWhiteSpace, Behavior.REMOVED);
            case "Punctuation" -> new CharSplit(Chars::isPunctuation,
                    n.has("behavior") ? behavior(n.get("behavior")) : Behavior.ISOLATED);
            case "BertPreTokenizer" -> new Sequence(List.of(new CharSplit(Chars::isWhiteSpace, Behavior.REMOVED),
                    new CharSplit(Chars::isPunctuation, Behavior.ISOLATED)));
            default -> throw new FormatException(n.file(), n.path() + ".type",
                    "a supported pre-tokenizer (Sequence, Split, ByteLevel, Metaspace, Digits, Whitespace, "
                            + "WhitespaceSplit, Punctuation, BertPreTokenizer), found \"" + type + "\"");
        };
    }
}
