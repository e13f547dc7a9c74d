package dev.unimoe.formats;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader and writer: objects become {@link LinkedHashMap} (key order kept),
 * arrays {@link List}, numbers {@link BigDecimal} (config files carry values like 1e30 that no
 * primitive holds exactly), plus String, Boolean and null.
 */
public final class Json {
    private final String s;
    private final String source;
    private int i;

    private Json(String s, String source) {
        this.s = s;
        this.source = source;
    }

    /** Parses {@code text}; {@code source} names the file in error messages. */
    public static Object parse(String text, String source) {
        Json p = new Json(text, source);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.i != p.s.length()) throw p.error("unexpected trailing characters");
        return v;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String source) {
        Object v = parse(text, source);
        if (!(v instanceof Map)) throw new FormatException(source, "(root)", "a JSON object");
        return (Map<String, Object>) v;
    }

    private FormatException error(String what) {
        int line = 1, col = 1;
        for (int k = 0; k < Math.min(i, s.length()); k++) {
            if (s.charAt(k) == '\n') { line++; col = 1; } else col++;
        }
        return new FormatException(source, "JSON at line " + line + ", column " + col, what);
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') i++; else break;
        }
    }

    private Object value() {
        if (i >= s.length()) throw error("a value, found end of input");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("a value, found '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw error("'" + word + "'");
        i += word.length();
        return v;
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek() == '}') { i++; return m; }
        while (true) {
            ws();
            if (peek() != '"') throw error("a string key");
            String k = string();
            ws();
            if (peek() != ':') throw error("':'");
            i++;
            ws();
            m.put(k, value());
            ws();
            char c = peek();
            i++;
            if (c == '}') return m;
            if (c != ',') { i--; throw error("',' or '}'"); }
        }
    }

    private List<Object> array() {
        List<Object> a = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']') { i++; return a; }
        while (true) {
            ws();
            a.add(value());
            ws();
            char c = peek();
            i++;
            if (c == ']') return a;
            if (c != ',') { i--; throw error("',' or ']'"); }
        }
    }

    private char peek() {
        if (i >= s.length()) throw error("more input, found end of input");
        return s.charAt(i);
    }

    private String string() {
        i++; // opening quote
        StringBuilder b = null;
        int start = i;
        while (true) {
            if (i >= s.length()) throw error("closing '\"'");
            char c = s.charAt(i);
            if (c == '"') {
                String out = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                i++;
                return out;
            }
            if (c == '\\') {
                if (b == null) b = new StringBuilder();
                b.append(s, start, i);
                i++;
                char e = peek();
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 5 > s.length()) throw error("4 hex digits after \\u");
                        try {
                            b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        } catch (NumberFormatException ex) {
                            throw error("4 hex digits after \\u");
                        }
                        i += 4;
                    }
                    default -> throw error("a valid escape, found '\\" + e + "'");
                }
                i++;
                start = i;
            } else {
                i++;
            }
        }
    }

    private BigDecimal number() {
        int start = i;
        if (s.charAt(i) == '-') i++;
        while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) i++;
        try {
            return new BigDecimal(s.substring(start, i));
        } catch (NumberFormatException ex) {
            i = start;
            throw error("a number");
        }
    }

    // ---- writing ----

    /** Serialises maps, iterables, arrays of primitives, strings, numbers, booleans and null. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Float f -> b.append(finite(f.doubleValue()) ? Float.toString(f) : "null");
            case Double d -> b.append(finite(d) ? Double.toString(d) : "null");
            case Number n -> b.append(n);
            case Boolean bo -> b.append(bo);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) b.append(", ");
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(": ");
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case Iterable<?> it -> {
                b.append('[');
                boolean first = true;
                for (Object o : it) {
                    if (!first) b.append(", ");
                    first = false;
                    write(b, o);
                }
                b.append(']');
            }
            case int[] a -> {
                b.append('[');
                for (int k = 0; k < a.length; k++) { if (k > 0) b.append(", "); b.append(a[k]); }
                b.append(']');
            }
            case float[] a -> {
                b.append('[');
                for (int k = 0; k < a.length; k++) { if (k > 0) b.append(", "); write(b, a[k]); }
                b.append(']');
            }
            case Object[] a -> write(b, List.of(a));
            default -> quote(b, v.toString());
        }
    }

    private static boolean finite(double d) {
        return !Double.isNaN(d) && !Double.isInfinite(d);
    }

    private static void quote(StringBuilder b, String str) {
        b.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
