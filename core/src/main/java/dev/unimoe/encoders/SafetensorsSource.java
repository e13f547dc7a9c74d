package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.formats.SafetensorsCheckpoint;
import dev.unimoe.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/** {@link TensorSource} over safetensors: checkpoints first, then extra files; the first holder of a name wins. */
final class SafetensorsSource implements TensorSource {
    private final String where;
    private final List<SafetensorsCheckpoint> checkpoints;
    private final List<Safetensors> extras;
    private final boolean owns;

    SafetensorsSource(String where, List<SafetensorsCheckpoint> checkpoints, List<Safetensors> extras, boolean owns) {
        this.where = where;
        this.checkpoints = checkpoints;
        this.extras = extras;
        this.owns = owns;
    }

    @Override public String where() { return where; }

    @Override
    public boolean has(String name) {
        for (SafetensorsCheckpoint c : checkpoints) if (c.has(name)) return true;
        for (Safetensors s : extras) if (s.has(name)) return true;
        return false;
    }

    @Override
    public long[] shape(String name) {
        for (SafetensorsCheckpoint c : checkpoints) if (c.has(name)) return c.entry(name).shape();
        for (Safetensors s : extras) if (s.has(name)) return s.entry(name).shape();
        throw missing(name);
    }

    @Override
    public Tensor tensor(String name, long... shape) {
        long[] actual = shape(name);
        if (!Arrays.equals(actual, shape)) {
            throw new FormatException(file(name), "tensor " + name + " shape", Arrays.toString(shape) + ", found " + Arrays.toString(actual));
        }
        return tensor(name);
    }

    @Override
    public Tensor tensor(String name) {
        for (SafetensorsCheckpoint c : checkpoints) if (c.has(name)) return c.tensor(name);
        for (Safetensors s : extras) if (s.has(name)) return s.tensor(name);
        throw missing(name);
    }

    private String file(String name) {
        for (SafetensorsCheckpoint c : checkpoints) {
            if (c.has(name)) {
                for (Safetensors f : c.files()) if (f.has(name)) return f.source();
            }
        }
        for (Safetensors s : extras) if (s.has(name)) return s.source();
        return where;
    }

    private FormatException missing(String name) {
        StringBuilder files = new StringBuilder();
        for (SafetensorsCheckpoint c : checkpoints) for (Safetensors f : c.files()) files.append(files.isEmpty() ? "" : ", ").append(f.path().getFileName());
        for (Safetensors s : extras) files.append(files.isEmpty() ? "" : ", ").append(s.path().getFileName());
        return new FormatException(where, "tensor " + name, "this tensor in " + files);
    }

    @Override
    public void close() {
        if (!owns) return;
        extras.forEach(Safetensors::close);
        checkpoints.forEach(SafetensorsCheckpoint::close);
    }

    @Override public String toString() { return where; }
}
