package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import java.util.List;
import java.util.Locale;

/** tokenizer.json {@code normalizer}: a text-to-text transform applied before pre-tokenization. */
sealed interface Normalizer {

    String apply(String s);

    record Sequence(List<Normalizer> steps) implements Normalizer {
        public String apply(String s) {
            for (Normalizer n : steps) s = n.apply(s);
            return s;
        }
    }

    /** HF prepends only to non-empty strings, so "" still encodes to []. */
    record Prepend(String prefix) implements Normalizer {
        public String apply(String s) { return s.isEmpty() ? s : prefix + s; }
    }

    record Replace(TextPattern pattern, String content) implements Normalizer {
        public String apply(String s) { return pattern.replaceAll(s, content); }
    }

    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String apply(String s) { return java.text.Normalizer.normalize(s, form); }
    }

    /** Per character, like Rust's {@code char::to_lowercase} (no context-dependent final sigma). */
    record Lowercase() implements Normalizer {
        public String apply(String s) {
            StringBuilder b = new StringBuilder(s.length());
            s.codePoints().forEach(c -> b.append(Character.toString(c).toLowerCase(Locale.ROOT)));
            return b.toString();
        }
    }

    record Strip(boolean left, boolean right) implements Normalizer {
        public String apply(String s) {
            int a = 0, z = s.length();
            while (left && a < z && Chars.isWhiteSpace(s.codePointAt(a))) a += Character.charCount(s.codePointAt(a));
            while (right && z > a && Chars.isWhiteSpace(s.codePointBefore(z))) z -= Character.charCount(s.codePointBefore(z));
            return s.substring(a, z);
        }
    }

    /**
     * Removes combining marks (categories Mn, Mc, Me; meant to follow NFD/NFKD). Marks assigned in
     * Unicode versions newer than HF's tables are removed here but kept by HF.
     */
    record StripAccents() implements Normalizer {
        public String apply(String s) {
            StringBuilder b = new StringBuilder(s.length());
            s.codePoints().filter(c -> {
                int t = Character.getType(c);
                return t != Character.NON_SPACING_MARK && t != Character.COMBINING_SPACING_MARK
                        && t != Character.ENCLOSING_MARK;
            }).forEach(b::appendCodePoint);
            return b.toString();
        }
    }

    record ByteLevel() implements Normalizer {
        public String apply(String s) { return ByteLevelAlphabet.encode(s); }
    }

    /** Builds the normalizer described at {@code n}; null when the field is null. */
    static Normalizer fromJson(JsonNode n) {
        if (n.isNull()) return null;
        String type = n.string("type");
        return switch (type) {
            case "Sequence" -> new Sequence(n.require("normalizers").asList().stream().map(Normalizer::fromJson).toList());
            case "Prepend" -> new Prepend(n.string("prepend"));
            case "Replace" -> new Replace(TextPattern.fromJson(n.require("pattern")), n.string("content"));
            case "NFC" -> new Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "Strip" -> new Strip(n.bool("strip_left", true), n.bool("strip_right", true));
            case "StripAccents" -> new StripAccents();
            case "ByteLevel" -> new ByteLevel();
            default -> throw new FormatException(n.file(), n.path() + ".type",
                    "a supported normalizer (Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, "
                            + "Strip, StripAccents, ByteLevel), found \"" + type + "\"");
        };
    }
}
