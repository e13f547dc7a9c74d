package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.nio.file.Path;

/**
 * A Whisper model's shape, from a HF {@code WhisperConfig} ({@code config.json} of a Whisper tower
 * such as {@code openai/whisper-small}); absent keys take transformers' defaults. LayerNorm eps is
 * fixed at 1e-5 ({@code nn.LayerNorm}'s default, which Whisper uses throughout). The encoder reads
 * {@code 2 · maxSourcePositions} mel frames (conv2 halves them) and puts out
 * {@code maxSourcePositions} rows.
 */
public record WhisperConfig(int numMelBins, int dModel, int encoderLayers, int encoderHeads, int encoderFfn,
                            int decoderLayers, int decoderHeads, int decoderFfn,
                            int maxSourcePositions, int maxTargetPositions, Activation act) {
    public static final float EPS = 1e-5f;

    public WhisperConfig {
        if (dModel % encoderHeads != 0 || dModel % decoderHeads != 0) {
            throw new IllegalArgumentException("d_model " + dModel + " not a multiple of the head counts " + encoderHeads + "/" + decoderHeads);
        }
    }

    public static WhisperConfig read(Path dir) {
        return parse(ConfigFiles.read(dir, "audio tower"));
    }

    public static WhisperConfig parse(JsonFields c) {
        int d = ConfigFiles.positive(c, "d_model", 384);
        int eh = ConfigFiles.positive(c, "encoder_attention_heads", 6), dh = ConfigFiles.positive(c, "decoder_attention_heads", 6);
        if (d % eh != 0) throw new FormatException(c.source(), "encoder_attention_heads", "a divisor of d_model (" + d + "), found " + eh);
        if (d % dh != 0) throw new FormatException(c.source(), "decoder_attention_heads", "a divisor of d_model (" + d + "), found " + dh);
        return new WhisperConfig(
                ConfigFiles.positive(c, "num_mel_bins", 80), d,
                ConfigFiles.positive(c, "encoder_layers", 4), eh, ConfigFiles.positive(c, "encoder_ffn_dim", 1536),
                ConfigFiles.positive(c, "decoder_layers", 4), dh, ConfigFiles.positive(c, "decoder_ffn_dim", 1536),
                ConfigFiles.positive(c, "max_source_positions", 1500), ConfigFiles.positive(c, "max_target_positions", 448),
                Activation.parse(c.getString("activation_function", "gelu"), c.source(), "activation_function"));
    }

    /** Mel frames per chunk the encoder takes (3000 for 30 s). */
    public int frames() { return 2 * maxSourcePositions; }
}
