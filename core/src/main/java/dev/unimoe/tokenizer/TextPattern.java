package dev.unimoe.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code {"String": …}} / {@code {"Regex": …}} patterns of tokenizer.json. HF compiles regexes
 * with Oniguruma, whose {@code \s \w \d} are Unicode-aware, hence UNICODE_CHARACTER_CLASS.
 */
record TextPattern(String literal, Pattern regex) {

    static TextPattern literal(String s) {
        return new TextPattern(s, null);
    }

    static TextPattern regex(String re, JsonNode where) {
        try {
            return new TextPattern(null, Pattern.compile(re, Pattern.UNICODE_CHARACTER_CLASS));
        } catch (PatternSyntaxException e) {
            throw where.error("a regular expression Java can compile (" + e.getDescription() + ")");
        }
    }

    static TextPattern fromJson(JsonNode n) {
        if (n.has("String")) return literal(n.string("String"));
        if (n.has("Regex")) return regex(n.string("Regex"), n.get("Regex"));
        throw n.error("{\"String\": …} or {\"Regex\": …}, found " + n.describe());
    }

    /** Non-overlapping matches, left to right, as {start, end} pairs; empty matches are kept. */
    List<int[]> find(String s) {
        List<int[]> out = new ArrayList<>();
        if (regex == null) {
            if (literal.isEmpty()) return out; // HF: an empty literal matches nothing
            for (int i = s.indexOf(literal); i >= 0; i = s.indexOf(literal, i + literal.length())) {
                out.add(new int[] {i, i + literal.length()});
            }
        } else {
            Matcher m = regex.matcher(s);
            while (m.find()) out.add(new int[] {m.start(), m.end()});
        }
        return out;
    }

    String replaceAll(String s, String content) {
        if (regex == null) return literal.isEmpty() ? s : s.replace(literal, content);
        return regex.matcher(s).replaceAll(Matcher.quoteReplacement(content));
    }
}
