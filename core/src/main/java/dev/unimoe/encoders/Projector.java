package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.kernels.Kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LLaVA/Uni-MoE's modality projectors ({@code multimodal_projector/builder.py}), by their config
 * value: "linear" ({@code prefix.weight/bias}), "mlp{N}x_gelu" (an {@code nn.Sequential} of N
 * linears with exact GELU between them: {@code prefix.0}, {@code prefix.2}, …) and "identity".
 * Uni-MoE uses mlp2x_gelu for images and video ({@code model.mm_projector}, key
 * {@code mm_projector_type}) and linear for the audio aligner ({@code model.mm_audio_aligner.projector},
 * key {@code audio_projector_type}).
 */
public final class Projector {
    public static final String VISION_PREFIX = "model.mm_projector";
    public static final String AUDIO_PREFIX = "model.mm_audio_aligner.projector";
    private static final Pattern MLP = Pattern.compile("mlp(\\d+)x_gelu");

    /** A projector kind: {@code linears} = 0 identity, 1 linear, N ≥ 2 mlpNx_gelu. */
    public record Type(int linears) {
        public static Type parse(String value, String source, String key) {
            if (value.equals("linear")) return new Type(1);
            if (value.equals("identity")) return new Type(0);
            Matcher m = MLP.matcher(value);
            if (m.matches() && m.group(1).length() <= 2 && Integer.parseInt(m.group(1)) >= 1) return new Type(Integer.parseInt(m.group(1)));
            throw new FormatException(source, key, "\"linear\", \"mlp<N>x_gelu\" (e.g. \"mlp2x_gelu\") or \"identity\", found \"" + value + "\"");
        }

        public String configName() {
            return linears == 0 ? "identity" : linears == 1 ? "linear" : "mlp" + linears + "x_gelu";
        }
    }

    private final Type type;
    private final int in, out;
    private final List<Linear> linears;
    private final Kernels kernels;

    private Projector(Type type, int in, int out, List<Linear> linears, Kernels kernels) {
        this.type = type;
        this.in = in;
        this.out = out;
        this.linears = linears;
        this.kernels = kernels;
    }

    /** A projector from {@code in} to {@code out} features whose tensors are named under {@code prefix}. */
    public static Projector load(TensorSource src, String prefix, Type type, int in, int out, Kernels kernels) {
        List<Linear> ls = new ArrayList<>();
        if (type.linears() == 0) {
            if (in != out) throw new FormatException(src.where(), prefix, "an identity projector to keep the width, but " + in + " ≠ " + out);
        } else if (type.linears() == 1) {
            ls.add(Linear.load(src, prefix, out, in, true));
        } else {
            for (int i = 0; i < type.linears(); i++) ls.add(Linear.load(src, prefix + "." + 2 * i, out, i == 0 ? in : out, true));
        }
        return new Projector(type, in, out, List.copyOf(ls), kernels);
    }

    /** The image/video projector of a LLaVA-style config: mm_projector_type, mm_hidden_size → hidden_size. */
    public static Projector vision(TensorSource checkpoint, JsonFields config, Kernels kernels) {
        Type t = Type.parse(config.getString("mm_projector_type", "linear"), config.source(), "mm_projector_type");
        return load(checkpoint, VISION_PREFIX, t, config.getInt("mm_hidden_size"), config.getInt("hidden_size"), kernels);
    }

    /** Uni-MoE's audio aligner projector: audio_projector_type, mm_audio_hidden_size → hidden_size. */
    public static Projector audio(TensorSource checkpoint, JsonFields config, Kernels kernels) {
        Type t = Type.parse(config.getString("audio_projector_type", "linear"), config.source(), "audio_projector_type");
        return load(checkpoint, AUDIO_PREFIX, t, config.getInt("mm_audio_hidden_size"), config.getInt("hidden_size"), kernels);
    }

    public Type type() { return type; }

    public int in() { return in; }

    public int out() { return out; }

    /** [rows, in] → [rows, out]. */
    public float[] apply(float[] x, int rows) {
        if (x.length != rows * in) {
            throw new IllegalArgumentException("projector input: expected [" + rows + ", " + in + "] = " + rows * in + " floats, got " + x.length);
        }
        float[] h = x;
        for (int i = 0; i < linears.size(); i++) {
            if (i > 0) Activation.GELU.applyRows(h, rows, linears.get(i - 1).out());
            h = linears.get(i).apply(kernels, h, rows);
        }
        return h == x ? x.clone() : h;
    }
}
