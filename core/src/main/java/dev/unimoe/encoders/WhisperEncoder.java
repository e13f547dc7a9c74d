package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Whisper encoder, Uni-MoE's audio tower ({@code mm_audio_select_layer} 0 = its last hidden
 * state): {@code gelu(conv1)} (kernel 3, padding 1) → {@code gelu(conv2)} (kernel 3, padding 1,
 * stride 2) → + sinusoidal {@code embed_positions} → pre-LN layers (k_proj without bias) →
 * {@code layer_norm}. Both convs are {@link EncoderKernels#conv3}, the conv weight [out, in, 3]
 * read as a [out, in·3] matrix.
 *
 * <p>Weights are named {@code model.encoder.*} ({@code WhisperForConditionalGeneration},
 * {@code WhisperModel} as the hub stores them) or {@code encoder.*} (a bare {@code WhisperModel}).
 */
public final class WhisperEncoder implements AutoCloseable {
    private final WhisperConfig cfg;
    private final EncoderKernels kernels;
    private final TensorSource owner;   // null when the caller owns the source
    private final Linear conv1, conv2;   // [d, mels·3], [d, d·3]
    private final float[] positions;     // [maxSourcePositions, d]
    private final List<EncoderLayer> layers;
    private final LayerNorm finalNorm;

    /** Residual stream [rows, d]: index 0 the input of layer 0, index l+1 the output of layer l (before {@code layer_norm}). */
    public record Output(List<float[]> hiddenStates, float[] lastHiddenState) {}

    private WhisperEncoder(WhisperConfig cfg, TensorSource src, Kernels kernels, TensorSource owner) {
        this.cfg = cfg;
        this.kernels = EncoderKernels.of(kernels);
        this.owner = owner;
        String p = !src.has("model.encoder.conv1.weight") && src.has("encoder.conv1.weight") ? "encoder." : "model.encoder.";
        TensorSource w = src.withPrefix(p);
        int d = cfg.dModel(), mels = cfg.numMelBins();
        conv1 = new Linear(Matrix.of(w.tensor("conv1.weight", d, mels, 3), d, mels * 3), w.floats("conv1.bias", d));
        conv2 = new Linear(Matrix.of(w.tensor("conv2.weight", d, d, 3), d, d * 3), w.floats("conv2.bias", d));
        positions = w.floats("embed_positions.weight", cfg.maxSourcePositions(), d);
        List<EncoderLayer> ls = new ArrayList<>();
        for (int l = 0; l < cfg.encoderLayers(); l++) {
            String n = "layers." + l + ".";
            ls.add(new EncoderLayer(
                    LayerNorm.load(w, n + "self_attn_layer_norm", d, WhisperConfig.EPS),
                    MultiHeadAttention.load(w, n + "self_attn", d, cfg.encoderHeads(), false),
                    LayerNorm.load(w, n + "final_layer_norm", d, WhisperConfig.EPS),
                    Linear.load(w, n + "fc1", cfg.encoderFfn(), d, true),
                    Linear.load(w, n + "fc2", d, cfg.encoderFfn(), true),
                    cfg.act()));
        }
        layers = List.copyOf(ls);
        finalNorm = LayerNorm.load(w, "layer_norm", d, WhisperConfig.EPS);
    }

    /** Loads {@code dir/config.json} and {@code dir/model.safetensors} (or its shards). */
    public static WhisperEncoder load(Path dir, Kernels kernels) {
        WhisperConfig cfg = WhisperConfig.read(dir);
        TensorSource src = TensorSource.open(dir);
        try {
            return new WhisperEncoder(cfg, src, kernels, src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** An encoder over any tensor source; closing the encoder does not close {@code src}. */
    public static WhisperEncoder load(WhisperConfig cfg, TensorSource src, Kernels kernels) {
        return new WhisperEncoder(cfg, src, kernels, null);
    }

    public WhisperConfig config() { return cfg; }

    /** The last hidden state [maxSourcePositions, d] of log-mel features [numMelBins, frames]. */
    public float[] forward(float[] features) {
        return run(features, null);
    }

    /** The last hidden state and every residual-stream state. */
    public Output forwardAll(float[] features) {
        List<float[]> states = new ArrayList<>();
        float[] last = run(features, states);
        return new Output(states, last);
    }

    private float[] run(float[] features, List<float[]> states) {
        int mels = cfg.numMelBins(), frames = cfg.frames(), rows = cfg.maxSourcePositions(), d = cfg.dModel();
        if (features.length != mels * frames) {
            throw new IllegalArgumentException("input features: expected [" + mels + ", " + frames + "] = " + mels * frames
                    + " floats (30 s of log-mel frames), got " + features.length);
        }
        // the conv activations are GELU whatever activation_function says
        float[] h1 = kernels.conv3(conv1, features, mels, frames, 1, true, Activation.GELU);
        float[] x = kernels.conv3(conv2, h1, d, frames, 2, false, Activation.GELU);
        EncoderOps.add(x, positions, rows * d);
        if (states != null) states.add(x.clone());
        kernels.layers(layers, x, rows, layers.size(), states);
        return finalNorm.apply(x, rows);
    }

    @Override
    public void close() {
        kernels.release(layers);
        if (owner != null) owner.close();
    }
}
