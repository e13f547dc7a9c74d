package dev.unimoe.model;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.tensor.I32Tensor;

import java.nio.file.Path;

/** Reads the fixtures' {@code references.safetensors} tensors as plain arrays. */
final class References implements AutoCloseable {
    private final Safetensors st;

    References(Path file) {
        st = Safetensors.open(file);
    }

    boolean has(String name) { return st.has(name); }

    float[] floats(String name) { return st.tensor(name).toFloatArray(); }

    int[] ints(String name) { return ((I32Tensor) st.tensor(name)).toIntArray(); }

    @Override
    public void close() { st.close(); }
}
