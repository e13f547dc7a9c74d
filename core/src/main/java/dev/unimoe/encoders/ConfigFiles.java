package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.nio.file.Files;
import java.nio.file.Path;

/** Reading a tower folder's {@code config.json}, with errors that name the folder or file. */
final class ConfigFiles {
    private ConfigFiles() {}

    static JsonFields read(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new FormatException(dir.toString(), Files.exists(dir) ? "is not a folder (" + what + " folder expected)" : what + " folder not found");
        }
        Path p = dir.resolve("config.json");
        if (!Files.isRegularFile(p)) throw new FormatException(p.toString(), "file not found (a " + what + " folder needs config.json)");
        return JsonFields.read(p);
    }

    static int positive(JsonFields c, String key, int dflt) {
        int v = c.getInt(key, dflt);
        if (v <= 0) throw new FormatException(c.source(), key, "a positive integer, found " + v);
        return v;
    }
}
