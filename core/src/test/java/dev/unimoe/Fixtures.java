package dev.unimoe;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's {@code fixtures/} folder from wherever the test JVM was started. */
public final class Fixtures {
    private Fixtures() {}

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path f = p.resolve("fixtures");
            if (Files.isDirectory(f.resolve("moe-mixtral"))) return f;
            p = p.getParent();
        }
        throw new IllegalStateException("fixtures/ not found above " + Path.of("").toAbsolutePath());
    }

    public static Path path(String first, String... more) {
        return root().resolve(Path.of(first, more));
    }
}
