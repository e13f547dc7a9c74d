package dev.unimoe.encoders;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.kernels.Parallel;
import dev.unimoe.tensor.Matrix;

import java.util.List;

/**
 * {@link EncoderKernels} on the host: layer by layer through {@link EncoderLayer#forward}, and the
 * convolutions as one matmul over the unfolded windows (im2col). Only the matrix products go to
 * {@code kernels}, so a backend that offloads only matmul still accelerates them.
 */
public record HostEncoderKernels(Kernels kernels) implements EncoderKernels {
    @Override
    public void layers(List<EncoderLayer> layers, float[] x, int rows, int upTo, List<float[]> states) {
        for (int l = 0; l < upTo; l++) {
            layers.get(l).forward(kernels, x, rows);
            if (states != null) states.add(x.clone());
        }
    }

    @Override
    public float[] conv3(Linear conv, float[] in, int channels, int frames, int stride, boolean channelMajor, Activation act) {
        int out = (frames - 1) / stride + 1, k = channels * 3;
        if (conv.in() != k) throw new IllegalArgumentException("conv3: weight of " + conv.in() + " columns for " + channels + " channels × 3");
        if (in.length != channels * frames) {
            throw new IllegalArgumentException("conv3: input of " + in.length + " floats for " + channels + " channels × " + frames + " frames");
        }
        // window of output row t: input frames t·stride − 1, t·stride, t·stride + 1 (zero outside), in the weight's (channel, k) order
        float[] win = new float[out * k];
        Parallel.forRange(out, Math.max(1, 4096 / k), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int j = 0; j < 3; j++) {
                    int s = t * stride + j - 1;
                    if (s < 0 || s >= frames) continue;
                    for (int c = 0; c < channels; c++) {
                        win[t * k + c * 3 + j] = channelMajor ? in[c * frames + s] : in[s * channels + c];
                    }
                }
            }
        });
        float[] y = conv.apply(kernels, win, out);
        act.applyRows(y, out, conv.out());
        return y;
    }

    @Override
    public float[] patchEmbed(Matrix w, float[] pixels, int channels, int image, int patch) {
        int g = image / patch, k = channels * patch * patch;
        if (pixels.length != channels * image * image) {
            throw new IllegalArgumentException("pixel values: expected [" + channels + ", " + image + ", " + image + "] = "
                    + channels * image * image + " floats, got " + pixels.length);
        }
        // patch (r, q) in row-major grid order, its values in the conv weight's (channel, y, x) order
        float[] patches = new float[g * g * k];
        for (int r = 0; r < g; r++) {
            for (int q = 0; q < g; q++) {
                int o = (r * g + q) * k;
                for (int ch = 0; ch < channels; ch++) {
                    for (int y = 0; y < patch; y++) {
                        System.arraycopy(pixels, (ch * image + r * patch + y) * image + q * patch, patches, o, patch);
                        o += patch;
                    }
                }
            }
        }
        float[] emb = new float[g * g * w.rows()];
        kernels.matmul(w, patches, g * g, emb);
        return emb;
    }
}
