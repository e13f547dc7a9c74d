package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * HF {@code CLIPVisionModel}: patch embedding (a stride-patch conv without bias,
 * {@link EncoderKernels#patchEmbed}), class row 0, learned positions, {@code pre_layrnorm}, pre-LN
 * layers; {@code post_layernorm} only for the pooled row 0. Uni-MoE feeds its projector
 * {@code hidden_states[mm_vision_select_layer]} without the class row ({@link #features}).
 *
 * <p>Weights are named {@code vision_model.*} (transformers 4.x, OpenAI checkpoints, full
 * {@code CLIPModel}s) or without that prefix (transformers 5); matrices stay memory-mapped in
 * their stored precision, so the tower keeps its files open until {@link #close}.
 */
public final class ClipVisionTower implements AutoCloseable {
    private final ClipVisionConfig cfg;
    private final EncoderKernels kernels;
    private final TensorSource owner;   // null when the caller owns the source
    private final float[] classEmbedding;
    private final Matrix patchEmbedding;   // [hidden, channels·patch·patch]
    private final float[] positions;       // [tokens, hidden]
    private final LayerNorm preNorm, postNorm;
    private final List<EncoderLayer> layers;

    /** Hidden states [tokens, hidden]: index 0 the input of layer 0, index l+1 the output of layer l; pooled [hidden]. */
    public record Output(List<float[]> hiddenStates, float[] pooled) {}

    private ClipVisionTower(ClipVisionConfig cfg, TensorSource src, Kernels kernels, TensorSource owner) {
        this.cfg = cfg;
        this.kernels = EncoderKernels.of(kernels);
        this.owner = owner;
        String p = src.has("vision_model.embeddings.class_embedding") || !src.has("embeddings.class_embedding") ? "vision_model." : "";
        TensorSource w = src.withPrefix(p);
        int d = cfg.hidden(), ps = cfg.patchSize(), unfolded = cfg.channels() * ps * ps;
        classEmbedding = w.floats("embeddings.class_embedding", d);
        patchEmbedding = Matrix.of(w.tensor("embeddings.patch_embedding.weight", d, cfg.channels(), ps, ps), d, unfolded);
        positions = w.floats("embeddings.position_embedding.weight", cfg.tokens(), d);
        preNorm = LayerNorm.load(w, "pre_layrnorm", d, cfg.eps());
        postNorm = LayerNorm.load(w, "post_layernorm", d, cfg.eps());
        List<EncoderLayer> ls = new ArrayList<>();
        for (int l = 0; l < cfg.layers(); l++) {
            String n = "encoder.layers." + l + ".";
            ls.add(new EncoderLayer(
                    LayerNorm.load(w, n + "layer_norm1", d, cfg.eps()),
                    MultiHeadAttention.load(w, n + "self_attn", d, cfg.heads(), true),
                    LayerNorm.load(w, n + "layer_norm2", d, cfg.eps()),
                    Linear.load(w, n + "mlp.fc1", cfg.intermediate(), d, true),
                    Linear.load(w, n + "mlp.fc2", d, cfg.intermediate(), true),
                    cfg.act()));
        }
        layers = List.copyOf(ls);
    }

    /** Loads {@code dir/config.json} and {@code dir/model.safetensors} (or its shards). */
    public static ClipVisionTower load(Path dir, Kernels kernels) {
        ClipVisionConfig cfg = ClipVisionConfig.read(dir);
        TensorSource src = TensorSource.open(dir);
        try {
            return new ClipVisionTower(cfg, src, kernels, src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** A tower over any tensor source; closing the tower does not close {@code src}. */
    public static ClipVisionTower load(ClipVisionConfig cfg, TensorSource src, Kernels kernels) {
        return new ClipVisionTower(cfg, src, kernels, null);
    }

    public ClipVisionConfig config() { return cfg; }

    /** Every hidden state and the pooled output for pixel values [channels, image, image]. */
    public Output forward(float[] pixels) {
        List<float[]> states = new ArrayList<>();
        float[] x = run(pixels, cfg.layers(), states);
        return new Output(states, postNorm.applyRow(x, 0));
    }

    /**
     * Uni-MoE's image feature: {@code hidden_states[selectLayer]} (negative counts from the end,
     * −2 = the input of the last layer), without the class row when {@code dropCls} ("patch"),
     * with it for "cls_patch". [numPatches (+1), hidden]. Layers after the selected one are skipped.
     */
    public float[] features(float[] pixels, int selectLayer, boolean dropCls) {
        int n = cfg.layers() + 1;
        int index = selectLayer < 0 ? n + selectLayer : selectLayer;
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("select layer " + selectLayer + " outside the " + n + " hidden states of a " + cfg.layers() + "-layer tower");
        }
        float[] x = run(pixels, index, null);
        if (!dropCls) return x;
        return java.util.Arrays.copyOfRange(x, cfg.hidden(), x.length);
    }

    /** Embeddings + pre_layrnorm + the first {@code upTo} layers; every state into {@code states} if given. */
    private float[] run(float[] pixels, int upTo, List<float[]> states) {
        int c = cfg.channels(), s = cfg.imageSize(), ps = cfg.patchSize(), d = cfg.hidden(), t = cfg.tokens();
        float[] emb = kernels.patchEmbed(patchEmbedding, pixels, c, s, ps);
        float[] x = new float[t * d];
        System.arraycopy(classEmbedding, 0, x, 0, d);
        System.arraycopy(emb, 0, x, d, emb.length);
        EncoderOps.add(x, positions, t * d);
        x = preNorm.apply(x, t);
        if (states != null) states.add(x.clone());
        kernels.layers(layers, x, t, upTo, states);
        return x;
    }

    @Override
    public void close() {
        kernels.release(layers);
        if (owner != null) owner.close();
    }
}
