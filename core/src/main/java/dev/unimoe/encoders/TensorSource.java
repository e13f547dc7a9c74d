package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.formats.SafetensorsCheckpoint;
import dev.unimoe.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Named weights for the encoder loaders: a checkpoint folder plus optional extra safetensors
 * files (Whisper's {@code aligner.safetensors}), or anything else that can hand out a tensor of
 * a requested shape (the benchmark's random weights). Loaders ask for every tensor with the
 * shape the config implies, so a wrong shape fails at load with the tensor's name and both shapes.
 */
public interface TensorSource extends AutoCloseable {
    /** The folder or file the names refer to, for messages. */
    String where();

    boolean has(String name);

    /** The stored shape; a FormatException if the tensor is absent. */
    long[] shape(String name);

    /** The tensor in its stored precision, its shape not checked. */
    Tensor tensor(String name);

    /** The tensor, after checking that its stored shape is {@code shape}. */
    default Tensor tensor(String name, long... shape) {
        long[] actual = shape(name);
        if (!Arrays.equals(actual, shape)) {
            throw new FormatException(where(), "tensor " + name + " shape", Arrays.toString(shape) + ", found " + Arrays.toString(actual));
        }
        return tensor(name);
    }

    /** A shape-checked tensor widened to float32 (biases, norms, embeddings of small towers). */
    default float[] floats(String name, long... shape) {
        return tensor(name, shape).toFloatArray();
    }

    /** This source with {@code prefix} put in front of every name (closing the view closes nothing). */
    default TensorSource withPrefix(String prefix) {
        TensorSource base = this;
        return new TensorSource() {
            @Override public String where() { return base.where(); }
            @Override public boolean has(String name) { return base.has(prefix + name); }
            @Override public long[] shape(String name) { return base.shape(prefix + name); }
            @Override public Tensor tensor(String name) { return base.tensor(prefix + name); }
            @Override public Tensor tensor(String name, long... shape) { return base.tensor(prefix + name, shape); }
            @Override public String toString() { return base + " under " + prefix; }
        };
    }

    @Override
    default void close() {}

    /** A view of an already opened checkpoint; closing the view leaves the checkpoint open. */
    static TensorSource of(SafetensorsCheckpoint checkpoint) {
        return new SafetensorsSource(checkpoint.dir().toString(), List.of(checkpoint), List.of(), false);
    }

    /**
     * Opens the checkpoint in {@code dir} ({@code model.safetensors} or a sharded index) and the
     * {@code extraFiles} named relative to it; the source owns and closes them. A missing folder
     * is a FormatException naming it.
     */
    static TensorSource open(Path dir, String... extraFiles) {
        if (!Files.isDirectory(dir)) {
            throw new FormatException(dir.toString(), Files.exists(dir) ? "is not a folder (a tower checkpoint folder was expected)" : "folder not found");
        }
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir);
        List<Safetensors> extras = new ArrayList<>();
        try {
            for (String f : extraFiles) extras.add(Safetensors.open(dir.resolve(f)));
        } catch (RuntimeException e) {
            extras.forEach(Safetensors::close);
            ckpt.close();
            throw e;
        }
        return new SafetensorsSource(dir.toString(), List.of(ckpt), extras, true);
    }
}
