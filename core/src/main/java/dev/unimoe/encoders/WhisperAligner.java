package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.kernels.Kernels;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Uni-MoE's audio aligner ({@code audio_aligner/whisper_decoder.py}, {@code encode_audios}): the
 * learned query tokens [Q, d] go through a Whisper decoder as {@code inputs_embeds} (+ learned
 * {@code embed_positions[0:Q]}, no embedding scale, causal self-attention among the queries,
 * cross-attention to all encoder rows of one chunk, pre-LN layers, final {@code layer_norm}),
 * then a projector to the LLM width: [Q, hidden] per 30 s chunk; a file's chunks are
 * concatenated ({@link #audioEmbeds}).
 *
 * <p>Two layouts of the same tensors load: a Whisper tower folder (decoder {@code model.decoder.*}
 * in its checkpoint, query tokens and projector in {@code aligner.safetensors}, as the fixtures
 * ship it) and a Uni-MoE checkpoint ({@code model.mm_audio_aligner.decoder.audio_decoder.*},
 * {@code model.query_tokens}, {@code model.mm_audio_aligner.projector.*}).
 */
public final class WhisperAligner implements AutoCloseable {
    public static final String UNIMOE_DECODER = "model.mm_audio_aligner.decoder.audio_decoder.";
    public static final String QUERY_TOKENS = "model.query_tokens";
    /** The extras file of a Whisper tower folder that carries the query tokens and projector. */
    public static final String EXTRAS_FILE = "aligner.safetensors";

    private final WhisperConfig cfg;
    private final Kernels kernels;
    private final TensorSource owner;   // null when the caller owns the source
    private final int queries;
    private final float[] start;        // query_tokens + embed_positions[0:Q], [Q, d]
    private final List<WhisperDecoderLayer> layers;
    private final LayerNorm finalNorm;
    private final Projector projector;

    /** decoder hidden states [Q, d] (0 = queries + positions, l+1 = after layer l), the final-norm output, the projector output [Q, hidden]. */
    public record Output(List<float[]> decoderHiddenStates, float[] decoderLastHiddenState, float[] output) {}

    private WhisperAligner(WhisperConfig cfg, TensorSource src, String decoderPrefix, int queries, Projector projector, Kernels kernels, TensorSource owner) {
        this.cfg = cfg;
        this.kernels = kernels;
        this.owner = owner;
        this.queries = queries;
        this.projector = projector;
        int d = cfg.dModel();
        if (queries > cfg.maxTargetPositions()) {
            throw new FormatException(src.where(), QUERY_TOKENS, "at most max_target_positions = " + cfg.maxTargetPositions() + " query tokens, found " + queries);
        }
        if (projector.in() != d) throw new FormatException(src.where(), "audio projector", "input width d_model = " + d + ", found " + projector.in());
        TensorSource w = src.withPrefix(decoderPrefix);
        start = src.floats(QUERY_TOKENS, 1, queries, d);
        float[] pos = w.floats("embed_positions.weight", cfg.maxTargetPositions(), d);
        EncoderOps.add(start, pos, queries * d);
        List<WhisperDecoderLayer> ls = new ArrayList<>();
        for (int l = 0; l < cfg.decoderLayers(); l++) ls.add(WhisperDecoderLayer.load(w, "layers." + l + ".", cfg));
        layers = List.copyOf(ls);
        finalNorm = LayerNorm.load(w, "layer_norm", d, WhisperConfig.EPS);
    }

    /**
     * From a Whisper tower folder: {@code config.json}, the decoder in its checkpoint
     * ({@code model.decoder.*} or {@code decoder.*}) and {@link #EXTRAS_FILE}. The query count and
     * the LLM width come from the stored shapes; the projector is of {@code projectorType}.
     */
    public static WhisperAligner loadFromTower(Path dir, Projector.Type projectorType, Kernels kernels) {
        WhisperConfig cfg = WhisperConfig.read(dir);
        TensorSource src = TensorSource.open(dir, EXTRAS_FILE);
        try {
            String prefix = !src.has("model.decoder.layer_norm.weight") && src.has("decoder.layer_norm.weight") ? "decoder." : "model.decoder.";
            int q = queryCount(src, cfg);
            int hidden = outputWidth(src, projectorType, cfg.dModel());
            Projector p = Projector.load(src, Projector.AUDIO_PREFIX, projectorType, cfg.dModel(), hidden, kernels);
            return new WhisperAligner(cfg, src, prefix, q, p, kernels, src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /**
     * From an opened Uni-MoE checkpoint and its {@code config.json}: {@code query_tokens_size},
     * {@code audio_projector_type} (default "linear"), {@code mm_audio_hidden_size} and
     * {@code hidden_size}; {@code whisper} is the audio tower's config (the decoder's shape).
     * Closing the aligner does not close {@code checkpoint}.
     */
    public static WhisperAligner fromUniMoe(TensorSource checkpoint, JsonFields config, WhisperConfig whisper, Kernels kernels) {
        return fromUniMoe(checkpoint, config, whisper, kernels, null);
    }

    private static WhisperAligner fromUniMoe(TensorSource checkpoint, JsonFields config, WhisperConfig whisper, Kernels kernels, TensorSource owner) {
        int q = config.getInt("query_tokens_size");
        int stored = queryCount(checkpoint, whisper);
        if (stored != q) throw new FormatException(config.source(), "query_tokens_size", q + " = the rows of " + QUERY_TOKENS + ", found " + stored + " rows");
        int audioHidden = config.getInt("mm_audio_hidden_size", whisper.dModel());
        if (audioHidden != whisper.dModel()) {
            throw new FormatException(config.source(), "mm_audio_hidden_size", "the audio tower's d_model " + whisper.dModel() + ", found " + audioHidden);
        }
        return new WhisperAligner(whisper, checkpoint, UNIMOE_DECODER, q, Projector.audio(checkpoint, config, kernels), kernels, owner);
    }

    /**
     * From a Uni-MoE checkpoint folder: its {@code config.json}, the audio tower's config at
     * {@code mm_audio_tower} (resolved against the checkpoint folder) and its weights.
     */
    public static WhisperAligner fromUniMoe(Path checkpointDir, Kernels kernels) {
        JsonFields config = ConfigFiles.read(checkpointDir, "Uni-MoE checkpoint");
        WhisperConfig whisper = WhisperConfig.read(checkpointDir.resolve(config.getString("mm_audio_tower")));
        TensorSource src = TensorSource.open(checkpointDir);
        try {
            return fromUniMoe(src, config, whisper, kernels, src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    private static int queryCount(TensorSource src, WhisperConfig cfg) {
        long[] s = src.shape(QUERY_TOKENS);
        if (s.length != 3 || s[0] != 1 || s[2] != cfg.dModel() || s[1] < 1) {
            throw new FormatException(src.where(), "tensor " + QUERY_TOKENS + " shape", "[1, Q, " + cfg.dModel() + "], found " + java.util.Arrays.toString(s));
        }
        return (int) s[1];
    }

    private static int outputWidth(TensorSource src, Projector.Type type, int d) {
        if (type.linears() == 0) return d;
        return (int) src.shape(Projector.AUDIO_PREFIX + (type.linears() > 1 ? ".0" : "") + ".weight")[0];
    }

    public WhisperConfig config() { return cfg; }

    public int queries() { return queries; }

    /** The LLM width the rows are projected to. */
    public int hidden() { return projector.out(); }

    /** [Q, hidden] for one chunk's encoder output [maxSourcePositions, d]. */
    public float[] align(float[] encoderOutput) {
        return forward(encoderOutput).output();
    }

    /** Every intermediate of one chunk (references compare them). */
    public Output forward(float[] encoderOutput) {
        int d = cfg.dModel(), rows = cfg.maxSourcePositions();
        if (encoderOutput.length % d != 0 || encoderOutput.length / d != rows) {
            throw new IllegalArgumentException("encoder output: expected [" + rows + ", " + d + "] = " + rows * d + " floats, got " + encoderOutput.length);
        }
        List<float[]> states = new ArrayList<>();
        float[] x = start.clone();
        states.add(x.clone());
        for (WhisperDecoderLayer layer : layers) {
            layer.forward(kernels, x, queries, encoderOutput, rows);
            states.add(x.clone());
        }
        float[] last = finalNorm.apply(x, queries);
        return new Output(states, last, projector.apply(last, queries));
    }

    /** One {@code <audio>}'s rows: every chunk's features through the encoder and the aligner, concatenated [Q·chunks, hidden]. */
    public float[] audioEmbeds(WhisperEncoder encoder, List<float[]> chunkFeatures) {
        int n = queries * hidden();
        float[] out = new float[chunkFeatures.size() * n];
        for (int c = 0; c < chunkFeatures.size(); c++) System.arraycopy(align(encoder.forward(chunkFeatures.get(c))), 0, out, c * n, n);
        return out;
    }

    @Override
    public void close() {
        if (owner != null) owner.close();
    }
}
