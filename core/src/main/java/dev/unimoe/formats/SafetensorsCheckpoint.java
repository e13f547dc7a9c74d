package dev.unimoe.formats;

import dev.unimoe.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a HF checkpoint folder: one {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}. Tensor names resolve to the shard that holds them.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    private final Path dir;
    private final List<Safetensors> files;
    private final Map<String, Safetensors> byTensor;

    private SafetensorsCheckpoint(Path dir, List<Safetensors> files, Map<String, Safetensors> byTensor) {
        this.dir = dir;
        this.files = files;
        this.byTensor = byTensor;
    }

    public static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve("model.safetensors")) || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
    }

    public static SafetensorsCheckpoint open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        List<Safetensors> files = new ArrayList<>();
        Map<String, Safetensors> byTensor = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(index)) {
                JsonFields idx = JsonFields.read(index);
                JsonFields map = idx.getObject("weight_map");
                Map<String, Safetensors> shards = new LinkedHashMap<>();
                for (var e : map.map().entrySet()) {
                    if (!(e.getValue() instanceof String shard)) {
                        throw new FormatException(index.toString(), "weight_map." + e.getKey(), "a shard file name");
                    }
                    Safetensors st = shards.get(shard);
                    if (st == null) {
                        Path p = dir.resolve(shard).normalize();
                        if (!p.startsWith(dir.normalize())) {
                            throw new FormatException(index.toString(), "weight_map." + e.getKey(), "a file inside the checkpoint folder, found " + shard);
                        }
                        if (!Files.isRegularFile(p)) {
                            throw new FormatException(index.toString(), "weight_map." + e.getKey(), "shard " + shard + " to exist in " + dir);
                        }
                        st = Safetensors.open(p);
                        shards.put(shard, st);
                        files.add(st);
                    }
                    if (!st.has(e.getKey())) {
                        throw new FormatException(st.source(), "tensor " + e.getKey(), "this tensor, which the index " + index.getFileName() + " places in this shard");
                    }
                    byTensor.put(e.getKey(), st);
                }
            } else if (Files.isRegularFile(single)) {
                Safetensors st = Safetensors.open(single);
                files.add(st);
                for (String name : st.entries().keySet()) byTensor.put(name, st);
            } else {
                throw new FormatException(dir.toString(), "no model.safetensors or model.safetensors.index.json in this folder");
            }
        } catch (RuntimeException e) {
            files.forEach(Safetensors::close);
            throw e;
        }
        return new SafetensorsCheckpoint(dir, files, byTensor);
    }

    public Path dir() { return dir; }

    public List<Safetensors> files() { return files; }

    public java.util.Set<String> names() { return byTensor.keySet(); }

    public boolean has(String name) { return byTensor.containsKey(name); }

    public Safetensors.Entry entry(String name) { return file(name).entry(name); }

    public Tensor tensor(String name) { return file(name).tensor(name); }

    /** A tensor with its shape checked against what the config implies. */
    public Tensor tensor(String name, long... shape) {
        Safetensors f = file(name);
        long[] actual = f.entry(name).shape();
        if (!java.util.Arrays.equals(actual, shape)) {
            throw new FormatException(f.source(), "tensor " + name + " shape",
                    java.util.Arrays.toString(shape) + " (from config.json), found " + java.util.Arrays.toString(actual));
        }
        return f.tensor(name);
    }

    private Safetensors file(String name) {
        Safetensors f = byTensor.get(name);
        if (f == null) throw new FormatException(dir.toString(), "tensor " + name, "this tensor in the checkpoint (config.json implies it)");
        return f;
    }

    public long totalBytes() {
        long n = 0;
        for (Safetensors f : files) for (var e : f.entries().values()) n += e.end() - e.begin();
        return n;
    }

    @Override
    public void close() {
        files.forEach(Safetensors::close);
    }
}
