package dev.unimoe.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options of one command, checked against what it accepts. */
public final class Args {
    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    /**
     * @param valued options that take a value (may repeat)
     * @param flags  options that take none
     */
    public Args(String command, String[] argv, int from, Set<String> valued, Set<String> flags) {
        this.command = command;
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) throw new UsageException(command + ": unexpected argument '" + a + "' (options start with --)");
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) { inline = name.substring(eq + 1); name = name.substring(0, eq); }
            if (flags.contains(name)) {
                if (inline != null) throw new UsageException(command + ": --" + name + " takes no value");
                values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (valued.contains(name)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= argv.length) throw new UsageException(command + ": --" + name + " needs a value");
                    v = argv[++i];
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
            } else {
                List<String> all = new ArrayList<>();
                valued.forEach(s -> all.add("--" + s));
                flags.forEach(s -> all.add("--" + s));
                throw new UsageException(command + ": unknown option --" + name + " (accepted: " + String.join(" ", all) + ")");
            }
        }
    }

    public boolean has(String name) { return values.containsKey(name); }

    public boolean flag(String name) { return values.containsKey(name); }

    public String get(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    public String require(String name) {
        String v = get(name);
        if (v == null) throw new UsageException(command + ": --" + name + " is required");
        return v;
    }

    public List<String> all(String name) { return values.getOrDefault(name, List.of()); }

    public int getInt(String name, int dflt) {
        String v = get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }

    public long getLong(String name, long dflt) {
        String v = get(name);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }

    public float getFloat(String name, float dflt) {
        String v = get(name);
        if (v == null) return dflt;
        try {
            return Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " expects a number, got '" + v + "'");
        }
    }

    /** A comma-separated list of integers such as "1,2,3". */
    public int[] getIntList(String name) {
        String v = require(name);
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException(command + ": --" + name + " expects comma-separated integers, got '" + parts[i] + "'");
            }
        }
        return out;
    }

    /** Wrong command-line use: printed with the usage, exit status 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) { super(message); }
    }
}
