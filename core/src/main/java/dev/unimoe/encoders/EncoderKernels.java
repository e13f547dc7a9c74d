package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

import java.util.List;

/**
 * The encoder towers' compute beyond single matrix products: a stack of pre-LN layers, the
 * kernel-3 convolutions of Whisper's stem and CLIP's patch embedding. {@link HostEncoderKernels}
 * runs them through {@link Kernels#matmul} and the element-wise ops of {@link EncoderOps}; an
 * accelerator's {@code Kernels} may implement this interface as well and keep a whole stack on its
 * device (weights resident, LayerNorm, attention and activations there too). Towers pick the
 * implementation with {@link #of}.
 */
public interface EncoderKernels {
    /**
     * Applies {@code layers[0, upTo)} in place to x [rows, d]. If {@code states} is non-null, a copy
     * of x after each layer is appended to it. The same list may be passed again with new x: an
     * implementation may keep per-list state (device weights) until it is closed.
     */
    void layers(List<EncoderLayer> layers, float[] x, int rows, int upTo, List<float[]> states);

    /**
     * A 1-D convolution of kernel 3, padding 1, then {@code act}: out[t, o] = act(b[o] +
     * Σ_{c,k} W[o, c·3 + k] · in(c, t·stride + k − 1)), zero outside the input, for
     * (frames − 1) / stride + 1 output rows. {@code conv.weight} is the [out, in, 3] PyTorch weight
     * read as [out, in·3]; the input is channel-major [channels, frames] or time-major
     * [frames, channels].
     */
    float[] conv3(Linear conv, float[] in, int channels, int frames, int stride, boolean channelMajor, Activation act);

    /**
     * The stride-{@code patch} convolution without bias of a ViT over pixels [channels, image, image]:
     * [grid², d] with grid = image / patch, patches in row-major grid order, {@code w} the
     * [d, channels, patch, patch] weight read as [d, channels·patch²].
     */
    float[] patchEmbed(Matrix w, float[] pixels, int channels, int image, int patch);

    /** Frees what this implementation keeps for {@code layers} (device weights); the towers call it on close. */
    default void release(List<EncoderLayer> layers) {}

    /** {@code k} itself if it implements this interface, else the host implementation over its matmul. */
    static EncoderKernels of(Kernels k) {
        return k instanceof EncoderKernels e ? e : new HostEncoderKernels(k);
    }
}
