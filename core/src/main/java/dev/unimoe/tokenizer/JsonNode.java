package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A value inside a parsed tokenizer.json together with its path ({@code model.merges[3]}), so
 * every error names the file and the exact field.
 */
record JsonNode(Object value, String file, String path) {

    static JsonNode root(Object value, String file) {
        return new JsonNode(value, file, "");
    }

    FormatException error(String expected) {
        return new FormatException(file, path.isEmpty() ? "(root)" : path, expected);
    }

    String describe() {
        return JsonFields.describe(value);
    }

    boolean isNull() { return value == null; }

    @SuppressWarnings("unchecked")
    Map<String, Object> asMap() {
        if (value instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error("an object, found " + describe());
    }

    /** The member {@code key} (its value is null when absent). */
    JsonNode get(String key) {
        return new JsonNode(asMap().get(key), file, path.isEmpty() ? key : path + "." + key);
    }

    /** Present and not null. */
    boolean has(String key) {
        return asMap().get(key) != null;
    }

    JsonNode require(String key) {
        JsonNode n = get(key);
        if (n.value == null) {
            throw n.error(asMap().containsKey(key) ? "a value, found null" : "this key to be present");
        }
        return n;
    }

    String asString() {
        if (value instanceof String s) return s;
        throw error("a string, found " + describe());
    }

    int asInt() {
        if (value instanceof BigDecimal d) {
            try {
                return d.intValueExact();
            } catch (ArithmeticException e) {
                throw error("an integer, found " + d);
            }
        }
        throw error("an integer, found " + describe());
    }

    boolean asBool() {
        if (value instanceof Boolean b) return b;
        throw error("true or false, found " + describe());
    }

    List<JsonNode> asList() {
        if (!(value instanceof List<?> l)) throw error("an array, found " + describe());
        List<JsonNode> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) out.add(new JsonNode(l.get(i), file, path + "[" + i + "]"));
        return out;
    }

    String string(String key) { return require(key).asString(); }

    String string(String key, String dflt) { return has(key) ? get(key).asString() : dflt; }

    int integer(String key, int dflt) { return has(key) ? get(key).asInt() : dflt; }

    boolean bool(String key, boolean dflt) { return has(key) ? get(key).asBool() : dflt; }

    /** A single code point given as a one-character string (HF's {@code char} fields). */
    int codePoint(String key) {
        JsonNode n = require(key);
        String s = n.asString();
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw n.error("a single character, found " + n.describe());
        }
        return s.codePointAt(0);
    }
}
