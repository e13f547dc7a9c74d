package dev.unimoe.model;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.SafetensorsCheckpoint;
import dev.unimoe.formats.SafetensorsCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleConsumer;

/**
 * A loaded decoder: config, memory-mapped weights, and where they came from. Closing it unmaps
 * the files. The tokenizer is loaded separately (a model may ship without one).
 */
public final class Model implements AutoCloseable {
    private final Path source;
    private final String format;
    private final ModelConfig config;
    private final Weights weights;
    private final java.util.Map<String, Object> metadata;
    private final AutoCloseable resources;

    /** @param metadata GGUF key/values (tokenizer included), empty for safetensors checkpoints */
    public Model(Path source, String format, ModelConfig config, Weights weights, java.util.Map<String, Object> metadata, AutoCloseable resources) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.weights = weights;
        this.metadata = metadata;
        this.resources = resources;
    }

    /** Loads a HF checkpoint folder or a .gguf file. */
    public static Model load(Path path, DoubleConsumer progress) {
        if (Files.isDirectory(path)) {
            ModelConfig cfg = HfConfig.read(path);
            SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(path);
            LoraAdapter lora = null;
            try {
                lora = LoraAdapter.openIfPresent(path);       // a PEFT adapter saved beside the checkpoint
                Weights w = SafetensorsWeights.load(ck, cfg, lora, progress);
                if (lora != null) lora.close();               // merged copies hold what they need
                return new Model(path, lora == null ? "safetensors" : "safetensors+lora", cfg, w, java.util.Map.of(), ck);
            } catch (RuntimeException e) {
                ck.close();
                if (lora != null) lora.close();
                throw e;
            }
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) {
            return GgufModel.load(path, progress);
        }
        if (!Files.exists(path)) throw new FormatException(path.toString(), "not found (expected a checkpoint folder or a .gguf file)");
        throw new FormatException(path.toString(), "model path", "a HF checkpoint folder (config.json + *.safetensors) or a .gguf file");
    }

    public Path source() { return source; }

    public String format() { return format; }

    public ModelConfig config() { return config; }

    public Weights weights() { return weights; }

    public java.util.Map<String, Object> metadata() { return metadata; }

    /** The mapped safetensors checkpoint behind this model, so other readers of the folder share the mapping; null for GGUF. */
    public SafetensorsCheckpoint checkpoint() {
        return resources instanceof SafetensorsCheckpoint ck ? ck : null;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + source + ": " + e.getMessage(), e);
        }
    }
}
