package dev.unimoe.model;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A PEFT LoRA adapter ({@code adapter_config.json} + {@code adapter_model.safetensors}) merged into
 * the base weights at load: W' = W + s·B·A with s = lora_alpha / r (lora_alpha / √r with rsLoRA).
 * Merged matrices become float32 copies; every other weight stays mapped in its stored format.
 */
public final class LoraAdapter implements AutoCloseable {
    private final Safetensors st;
    private final float scale;
    private final Set<String> merged = new HashSet<>();

    private LoraAdapter(Safetensors st, float scale) {
        this.st = st;
        this.scale = scale;
    }

    /** The adapter in {@code dir}, or null when the folder holds none. */
    public static LoraAdapter openIfPresent(Path dir) {
        Path cfg = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(cfg)) return null;
        JsonFields c = JsonFields.read(cfg);
        String type = c.getString("peft_type", "LORA");
        if (!type.equals("LORA")) throw new FormatException(cfg.toString(), "peft_type", "\"LORA\", found \"" + type + "\"");
        int r = c.getInt("r");
        if (r <= 0) throw new FormatException(cfg.toString(), "r", "a positive rank, found " + r);
        double alpha = c.getDouble("lora_alpha", r);
        boolean rs = c.getBool("use_rslora", false);
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new FormatException(dir.toString(), "adapter_model.safetensors next to adapter_config.json (a .bin adapter must be converted to safetensors)");
        }
        return new LoraAdapter(Safetensors.open(weights), (float) (rs ? alpha / Math.sqrt(r) : alpha / r));
    }

    /** The base weight {@code name} ([rows, cols]) with the adapter's update added, or the base itself. */
    public Tensor apply(String name, Tensor base, int rows, int cols) {
        String stem = "base_model.model." + name.substring(0, name.length() - ".weight".length());
        String a = find(stem + ".lora_A"), b = find(stem + ".lora_B");
        if (a == null && b == null) return base;
        if (a == null || b == null) throw new FormatException(st.source(), stem, "both lora_A and lora_B weights");
        long[] as = st.entry(a).shape(), bs = st.entry(b).shape();
        if (as.length != 2 || bs.length != 2 || as[1] != cols || bs[0] != rows || as[0] != bs[1]) {
            throw new FormatException(st.source(), a + " / " + b, "shapes [r, " + cols + "] and [" + rows + ", r], found "
                    + java.util.Arrays.toString(as) + " and " + java.util.Arrays.toString(bs));
        }
        int r = (int) as[0];
        float[] A = st.tensor(a).toFloatArray(), B = st.tensor(b).toFloatArray();
        float[] w = new float[rows * cols];
        base.dequantize(0, w, 0, w.length);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < r; j++) {
                float bij = scale * B[i * r + j];
                if (bij == 0f) continue;
                int ao = j * cols, wo = i * cols;
                for (int c = 0; c < cols; c++) w[wo + c] += bij * A[ao + c];
            }
        }
        merged.add(name);
        return F32Tensor.wrap(w);
    }

    private String find(String prefix) {
        for (String cand : new String[]{prefix + ".weight", prefix + ".default.weight"}) if (st.has(cand)) return cand;
        return null;
    }

    /** Adapter tensors whose base weight the model never asked for: a mismatch worth refusing. */
    public Set<String> unusedTargets() {
        Set<String> out = new HashSet<>();
        for (String n : st.entries().keySet()) {
            int i = n.indexOf(".lora_A");
            if (i < 0) continue;
            String base = n.substring("base_model.model.".length(), i) + ".weight";
            if (!merged.contains(base)) out.add(base);
        }
        return out;
    }

    @Override
    public void close() { st.close(); }
}
