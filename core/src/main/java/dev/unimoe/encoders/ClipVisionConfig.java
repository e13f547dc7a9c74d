package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.nio.file.Path;

/**
 * A CLIP vision tower's shape, from a HF {@code config.json}: a {@code CLIPVisionConfig} at the
 * top level ({@code model_type} "clip_vision_model") or the {@code vision_config} of a full
 * {@code CLIPConfig} (as in {@code openai/clip-vit-large-patch14-336}). Absent keys take the
 * {@code CLIPVisionConfig} defaults, as transformers does.
 */
public record ClipVisionConfig(int imageSize, int patchSize, int hidden, int layers, int heads, int intermediate,
                               Activation act, float eps, int channels) {
    public ClipVisionConfig {
        if (imageSize < patchSize) throw new IllegalArgumentException("image size " + imageSize + " < patch size " + patchSize);
        if (hidden % heads != 0) throw new IllegalArgumentException("hidden " + hidden + " not a multiple of " + heads + " heads");
    }

    public static ClipVisionConfig read(Path dir) {
        return parse(ConfigFiles.read(dir, "vision tower"));
    }

    public static ClipVisionConfig parse(JsonFields root) {
        JsonFields c = root.has("vision_config") ? root.getObject("vision_config") : root;
        int hidden = ConfigFiles.positive(c, "hidden_size", 768);
        int heads = ConfigFiles.positive(c, "num_attention_heads", 12);
        if (hidden % heads != 0) {
            throw new FormatException(c.source(), "num_attention_heads", "a divisor of hidden_size (" + hidden + "), found " + heads);
        }
        int image = ConfigFiles.positive(c, "image_size", 224);
        int patch = ConfigFiles.positive(c, "patch_size", 32);
        if (patch > image) throw new FormatException(c.source(), "patch_size", "at most image_size (" + image + "), found " + patch);
        return new ClipVisionConfig(image, patch, hidden,
                ConfigFiles.positive(c, "num_hidden_layers", 12), heads,
                ConfigFiles.positive(c, "intermediate_size", 3072),
                Activation.parse(c.getString("hidden_act", "quick_gelu"), c.source(), "hidden_act"),
                (float) c.getDouble("layer_norm_eps", 1e-5),
                ConfigFiles.positive(c, "num_channels", 3));
    }

    /** Patches per side (the conv's output grid; a remainder of the image is ignored, as by the conv). */
    public int grid() { return imageSize / patchSize; }

    public int numPatches() { return grid() * grid(); }

    /** Sequence length: the class row plus the patches. */
    public int tokens() { return numPatches() + 1; }

    public int headDim() { return hidden / heads; }
}
