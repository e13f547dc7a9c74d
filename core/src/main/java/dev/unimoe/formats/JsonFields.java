package dev.unimoe.formats;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Typed, validated access to fields of a parsed JSON object; errors name the file and the key. */
public record JsonFields(Map<String, Object> map, String source) {

    /** Reads and parses a JSON object file; a missing, unreadable or malformed file is a FormatException naming it. */
    public static JsonFields read(java.nio.file.Path file) {
        String text;
        try {
            text = java.nio.file.Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FormatException(file.toString(), "file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new FormatException(file.toString(), "is not UTF-8 text");
        } catch (java.io.IOException e) {
            throw new FormatException(file.toString(), "cannot be read: " + e.getMessage());
        }
        return new JsonFields(Json.parseObject(text, file.toString()), file.toString());
    }

    public boolean has(String key) {
        return map.containsKey(key) && map.get(key) != null;
    }

    public int getInt(String key) {
        Object v = require(key);
        if (v instanceof BigDecimal d) {
            try {
                return d.intValueExact();
            } catch (ArithmeticException e) {
                throw new FormatException(source, key, "an integer, found " + d);
            }
        }
        throw new FormatException(source, key, "an integer, found " + describe(v));
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof BigDecimal d) return d.doubleValue();
        throw new FormatException(source, key, "a number, found " + describe(v));
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean getBool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        if (map.get(key) instanceof Boolean b) return b;
        throw new FormatException(source, key, "true or false, found " + describe(map.get(key)));
    }

    public String getString(String key) {
        Object v = require(key);
        if (v instanceof String s) return s;
        throw new FormatException(source, key, "a string, found " + describe(v));
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    @SuppressWarnings("unchecked")
    public List<Object> getList(String key) {
        Object v = require(key);
        if (v instanceof List<?> l) return (List<Object>) l;
        throw new FormatException(source, key, "an array, found " + describe(v));
    }

    @SuppressWarnings("unchecked")
    public JsonFields getObject(String key) {
        Object v = require(key);
        if (v instanceof Map<?, ?> m) return new JsonFields((Map<String, Object>) m, source);
        throw new FormatException(source, key, "an object, found " + describe(v));
    }

    private Object require(String key) {
        if (!map.containsKey(key)) throw new FormatException(source, key, "this key to be present");
        Object v = map.get(key);
        if (v == null) throw new FormatException(source, key, "a value, found null");
        return v;
    }

    /** A short description of a parsed JSON value for error messages: {@code string "…"}, {@code number 3}, {@code an array}. */
    public static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
            case BigDecimal d -> "number " + d;
            case Boolean b -> b.toString();
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }
}
