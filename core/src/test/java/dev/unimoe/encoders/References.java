package dev.unimoe.encoders;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reference tensors of a fixture folder, and the relative error the fixtures' README suggests. */
final class References implements AutoCloseable {
    private final Safetensors file;

    private References(Safetensors file) {
        this.file = file;
    }

    static References open(String folder, String name) {
        return new References(Safetensors.open(Fixtures.path(folder, name)));
    }

    float[] get(String name) {
        return file.tensor(name).toFloatArray();
    }

    /** max |actual − expected| / max |expected|. */
    static double relativeError(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
        }
        return maxDiff / maxRef;
    }

    /** Asserts relative error ≤ tol and returns it (tests print the worst one). */
    static double check(String what, float[] expected, float[] actual, double tol) {
        double e = relativeError(expected, actual);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
        return e;
    }

    @Override
    public void close() {
        file.close();
    }
}
