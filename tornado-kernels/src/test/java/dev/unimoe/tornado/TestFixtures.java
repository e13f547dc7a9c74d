package dev.unimoe.tornado;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.tensor.I32Tensor;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's fixtures folder from the test's working directory; reads references. */
final class TestFixtures {
    private TestFixtures() {}

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path f = p.resolve("fixtures");
            if (Files.isDirectory(f.resolve("moe-mixtral"))) return f;
            p = p.getParent();
        }
        throw new IllegalStateException("fixtures/ not found above " + Path.of("").toAbsolutePath());
    }

    static Path path(String first, String... more) {
        return root().resolve(Path.of(first, more));
    }

    static int[] ints(Safetensors s, String name) {
        return ((I32Tensor) s.tensor(name)).toIntArray();
    }

    static float[] floats(Safetensors s, String name) {
        return s.tensor(name).toFloatArray();
    }
}
