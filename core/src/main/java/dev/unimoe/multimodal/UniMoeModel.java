package dev.unimoe.multimodal;

import dev.unimoe.encoders.ClipVisionTower;
import dev.unimoe.encoders.Projector;
import dev.unimoe.encoders.TensorSource;
import dev.unimoe.encoders.WhisperAligner;
import dev.unimoe.encoders.WhisperConfig;
import dev.unimoe.encoders.WhisperEncoder;
import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.media.ClipImageProcessor;
import dev.unimoe.media.ImageDecoder;
import dev.unimoe.media.RgbImage;
import dev.unimoe.media.VideoFrames;
import dev.unimoe.media.audio.AudioClip;
import dev.unimoe.media.audio.AudioFeatures;
import dev.unimoe.media.audio.WavReader;
import dev.unimoe.media.audio.WhisperFeatureConfig;
import dev.unimoe.model.Model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * A Uni-MoE checkpoint: the MoE language model plus, loaded on first use, the CLIP vision tower
 * with its {@code mm_projector} and the Whisper audio tower with the query-token aligner. Tower
 * paths ({@code mm_vision_tower}, {@code mm_audio_tower}) resolve against the checkpoint folder.
 * Every encoder runs its matrix products through the same {@link Kernels} as the decoder.
 */
public final class UniMoeModel implements AutoCloseable {
    private final Path dir;
    private final JsonFields config;
    private final Model llm;
    private final Kernels kernels;
    private final TensorSource checkpoint;
    private ClipVisionTower vision;
    private ClipImageProcessor imageProcessor;
    private Projector visionProjector;
    private WhisperEncoder audioEncoder;
    private WhisperAligner aligner;
    private WhisperFeatureConfig featureConfig;
    private double maxAudioSeconds = 600;

    private UniMoeModel(Path dir, JsonFields config, Model llm, Kernels kernels, TensorSource checkpoint) {
        this.dir = dir;
        this.config = config;
        this.llm = llm;
        this.kernels = kernels;
        this.checkpoint = checkpoint;
    }

    public static UniMoeModel load(Path dir, Kernels kernels, DoubleConsumer progress) {
        Path cfgPath = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgPath)) throw new FormatException(cfgPath.toString(), "file not found (a Uni-MoE checkpoint folder needs config.json)");
        JsonFields cfg = JsonFields.read(cfgPath);
        Model llm = Model.load(dir, progress);
        try {
            if (llm.checkpoint() == null) throw new FormatException(dir.toString(), "weights", "safetensors (a Uni-MoE checkpoint folder)");
            return new UniMoeModel(dir, cfg, llm, kernels, TensorSource.of(llm.checkpoint()));   // shares the LLM's mapping
        } catch (RuntimeException e) {
            llm.close();
            throw e;
        }
    }

    public Model llm() { return llm; }

    public JsonFields config() { return config; }

    public int hidden() { return llm.config().hidden(); }

    public void setMaxAudioSeconds(double s) {
        if (!(s > 0)) throw new IllegalArgumentException("the audio length limit must be positive, got " + s);
        this.maxAudioSeconds = s;
    }

    /** A tower folder named by {@code key}, resolved against the checkpoint folder, checked to exist. */
    private Path tower(String key) {
        if (!config.has(key)) throw new FormatException(config.source(), key, "the path of the tower this input needs");
        Path p = dir.resolve(config.getString(key)).normalize();
        if (!Files.isDirectory(p)) {
            throw new FormatException(config.source(), key, "a tower folder relative to " + dir + "; " + p + " does not exist");
        }
        return p;
    }

    private void loadVision() {
        if (vision != null) return;
        Path t = tower("mm_vision_tower");
        Path pre = t.resolve("preprocessor_config.json");
        imageProcessor = Files.isRegularFile(pre) ? ClipImageProcessor.load(pre) : ClipImageProcessor.defaults();
        vision = ClipVisionTower.load(t, kernels);
        visionProjector = Projector.vision(checkpoint, config, kernels);
        String feature = config.getString("mm_vision_select_feature", "patch");
        if (!feature.equals("patch") && !feature.equals("cls_patch")) {
            throw new FormatException(config.source(), "mm_vision_select_feature", "\"patch\" or \"cls_patch\", found \"" + feature + "\"");
        }
    }

    private void loadAudio() {
        if (audioEncoder != null) return;
        Path t = tower("mm_audio_tower");
        int select = config.getInt("mm_audio_select_layer", 0);
        if (select != 0) throw new FormatException(config.source(), "mm_audio_select_layer", "0 (the encoder's last hidden state), found " + select);
        Path pre = t.resolve("preprocessor_config.json");
        featureConfig = Files.isRegularFile(pre) ? WhisperFeatureConfig.load(pre) : WhisperFeatureConfig.WHISPER;
        audioEncoder = WhisperEncoder.load(t, kernels);
        aligner = WhisperAligner.fromUniMoe(checkpoint, config, WhisperConfig.read(t), kernels);
    }

    /** One image: decoded, preprocessed, CLIP features of the selected layer, projected: [patches, hidden]. */
    public float[] encodeImage(Path file, StageTimes times) {
        loadVision();
        RgbImage img = times.time("decode_media", () -> ImageDecoder.decode(file));
        return encodeFrame(img, times);
    }

    private float[] encodeFrame(RgbImage img, StageTimes times) {
        float[] pixels = times.time("features", () -> imageProcessor.preprocess(img).values());
        boolean dropCls = config.getString("mm_vision_select_feature", "patch").equals("patch");
        float[] feats = times.time("encoder", () -> vision.features(pixels, config.getInt("mm_vision_select_layer", -2), dropCls));
        int rows = feats.length / vision.config().hidden();
        return times.time("projector", () -> visionProjector.apply(feats, rows));
    }

    /** A video: n frames sampled uniformly, each encoded and projected like an image, then averaged. */
    public float[] encodeVideo(Path video, int frames, StageTimes times) {
        loadVision();
        List<RgbImage> imgs = times.time("decode_media", () -> VideoFrames.sample(video, frames));
        float[] mean = null;
        for (RgbImage img : imgs) {
            float[] f = encodeFrame(img, times);
            if (mean == null) mean = new float[f.length];
            for (int i = 0; i < f.length; i++) mean[i] += f[i];
        }
        for (int i = 0; i < mean.length; i++) mean[i] /= imgs.size();
        return mean;
    }

    /** One audio file: 16 kHz mono, 30 s chunks, log-mel, Whisper encoder, aligner; chunks concatenated: [Q·chunks, hidden]. */
    public float[] encodeAudio(Path file, StageTimes times) {
        loadAudio();
        AudioClip clip = times.time("decode_media", () -> WavReader.read(file, maxAudioSeconds));
        List<float[]> feats = times.time("features", () -> AudioFeatures.of(clip, featureConfig));
        List<float[]> rows = new ArrayList<>();
        for (float[] chunk : feats) {
            float[] enc = times.time("encoder", () -> audioEncoder.forward(chunk));
            rows.add(times.time("projector", () -> aligner.align(enc)));
        }
        int n = 0;
        for (float[] r : rows) n += r.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    @Override
    public void close() {
        if (vision != null) vision.close();
        if (audioEncoder != null) audioEncoder.close();
        if (aligner != null) aligner.close();
        checkpoint.close();
        llm.close();
    }
}
