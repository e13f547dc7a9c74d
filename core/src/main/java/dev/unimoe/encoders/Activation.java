package dev.unimoe.encoders;

import dev.unimoe.formats.FormatException;
import dev.unimoe.kernels.Parallel;

/** The MLP activations of the CLIP and Whisper towers, by their HF config names. */
public enum Activation {
    /** x·sigmoid(1.702·x): OpenAI CLIP. */
    QUICK_GELU,
    /** Exact erf GELU: Whisper, {@code nn.GELU()}. */
    GELU,
    /** tanh-approximated GELU ("gelu_new", "gelu_pytorch_tanh"). */
    GELU_TANH;

    public static Activation parse(String name, String source, String key) {
        return switch (name) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh" -> GELU_TANH;
            default -> throw new FormatException(source, key, "\"quick_gelu\", \"gelu\", \"gelu_new\" or \"gelu_pytorch_tanh\", found \"" + name + "\"");
        };
    }

    /** Applies the activation in place to x[off, off+n). */
    public void apply(float[] x, int off, int n) {
        switch (this) {
            case QUICK_GELU -> EncoderOps.quickGelu(x, off, n);
            case GELU -> EncoderOps.gelu(x, off, n);
            case GELU_TANH -> EncoderOps.geluTanh(x, off, n);
        }
    }

    /** Applies the activation in place to {@code rows} rows of {@code n} values of x, the rows spread over the threads. */
    public void applyRows(float[] x, int rows, int n) {
        Parallel.forRange(rows, Math.max(1, 16384 / n), (r0, r1) -> apply(x, r0 * n, (r1 - r0) * n));
    }
}
