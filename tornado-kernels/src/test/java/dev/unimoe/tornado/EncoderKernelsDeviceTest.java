package dev.unimoe.tornado;

import dev.unimoe.encoders.Activation;
import dev.unimoe.encoders.EncoderKernels;
import dev.unimoe.encoders.EncoderLayer;
import dev.unimoe.encoders.HostEncoderKernels;
import dev.unimoe.encoders.LayerNorm;
import dev.unimoe.encoders.Linear;
import dev.unimoe.encoders.MultiHeadAttention;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device encoder kernels (LayerNorm, tiled linear with bias/GELU variants/residual,
 * bidirectional attention, conv windows, patch unfold) against the host implementation on random
 * weights, through {@link EncoderKernels}. Shapes are not multiples of the tile edge or the
 * work-group size, so every bounds check is exercised. Tolerance 2e-4 relative to 1 + |value|:
 * float32 sums in a different order over a few hundred terms, the device's two-pass float32
 * LayerNorm statistics against the host's float64 ones, and the device exp/tanh (within a few ulp).
 */
class EncoderKernelsDeviceTest {
    private static final float TOL = 2e-4f;
    private final EncoderKernels host = new HostEncoderKernels(CpuKernels.INSTANCE);
    private final TornadoKernels device = (TornadoKernels) new TornadoBackend().kernels();

    private static Linear linear(Random r, int out, int in, boolean bias, DType type) {
        float s = (float) (1 / Math.sqrt(in));
        Matrix w = KernelHarness.matrix(type, KernelHarness.random(r, out * in, s), out, in);
        return new Linear(w, bias ? KernelHarness.random(r, out, 0.1f) : null);
    }

    private static LayerNorm norm(Random r, int d) {
        float[] g = KernelHarness.random(r, d, 0.1f), b = KernelHarness.random(r, d, 0.1f);
        for (int i = 0; i < d; i++) g[i] += 1f;
        return new LayerNorm(g, b, 1e-5f);
    }

    private static List<EncoderLayer> stack(Random r, int layers, int d, int heads, int ffn, Activation act, DType type) {
        List<EncoderLayer> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            MultiHeadAttention attn = new MultiHeadAttention(linear(r, d, d, true, type), linear(r, d, d, l % 2 == 0, type),
                    linear(r, d, d, true, type), linear(r, d, d, true, type), heads);
            out.add(new EncoderLayer(norm(r, d), attn, norm(r, d), linear(r, ffn, d, true, type), linear(r, d, ffn, true, type), act));
        }
        return out;
    }

    @Test
    void layerStacksMatchTheHostForEveryActivation() {
        Random r = new Random(7);
        int[][] shapes = {{37, 48, 4, 100}, {50, 64, 2, 96}, {5, 24, 3, 40}};   // rows, d, heads, ffn
        for (Activation act : Activation.values()) {
            for (int[] s : shapes) {
                int rows = s[0], d = s[1];
                List<EncoderLayer> layers = stack(r, 3, d, s[2], s[3], act, DType.F32);
                float[] x = KernelHarness.random(r, rows * d, 1f), want = x.clone(), got = x.clone();
                List<float[]> hs = new ArrayList<>(), ds = new ArrayList<>();
                host.layers(layers, want, rows, 3, hs);
                device.layers(layers, got, rows, 3, ds);
                assertEquals(3, ds.size());
                for (int l = 0; l < 3; l++) KernelHarness.assertClose(hs.get(l), ds.get(l), TOL, act + " " + rows + "x" + d + " after layer " + l);
                KernelHarness.assertClose(want, got, TOL, act + " " + rows + "x" + d);
                // fewer layers on the same (now resident) stack
                float[] w2 = x.clone(), g2 = x.clone();
                host.layers(layers, w2, rows, 1, null);
                device.layers(layers, g2, rows, 1, null);
                KernelHarness.assertClose(w2, g2, TOL, act + " " + rows + "x" + d + " one layer");
                device.release(layers);
            }
        }
    }

    @Test
    void f16WeightsStayHalvesOnTheDevice() {
        Random r = new Random(3);
        List<EncoderLayer> layers = stack(r, 2, 32, 4, 64, Activation.GELU, DType.F16);
        float[] x = KernelHarness.random(r, 19 * 32, 1f), want = x.clone(), got = x.clone();
        host.layers(layers, want, 19, 2, null);
        device.layers(layers, got, 19, 2, null);
        assertEquals(DeviceMatrix.Format.F16, device.stackWeightFormat(layers), "an all-F16 stack keeps 2-byte weights");
        KernelHarness.assertClose(want, got, TOL, "F16 stack");
        // the same values widened to F32 on the host: the device reads float32 weights, same sums
        List<EncoderLayer> wide = widened(layers);
        float[] viaF32 = x.clone();
        device.layers(wide, viaF32, 19, 2, null);
        assertEquals(DeviceMatrix.Format.F32, device.stackWeightFormat(wide));
        KernelHarness.assertClose(viaF32, got, 1e-6f, "F16 on the device against the same weights as F32");
        // one F32 matrix among halves: the whole stack is widened
        List<EncoderLayer> mixed = new ArrayList<>(layers);
        EncoderLayer l0 = layers.getFirst();
        mixed.set(0, new EncoderLayer(l0.attnNorm(), l0.attn(), l0.mlpNorm(), wide.getFirst().fc1(), l0.fc2(), l0.act()));
        float[] viaMixed = x.clone();
        device.layers(mixed, viaMixed, 19, 2, null);
        assertEquals(DeviceMatrix.Format.F32, device.stackWeightFormat(mixed));
        KernelHarness.assertClose(viaF32, viaMixed, 1e-6f, "mixed stack");
        assertTrue(DeviceEncoderStack.deviceBytes(layers, 19) < DeviceEncoderStack.deviceBytes(wide, 19), "F16 stack reserves fewer bytes");
        for (List<EncoderLayer> s : List.of(layers, wide, mixed)) device.release(s);
    }

    /** The stack with every weight matrix widened to F32 (biases and norms shared). */
    private static List<EncoderLayer> widened(List<EncoderLayer> layers) {
        List<EncoderLayer> out = new ArrayList<>();
        for (EncoderLayer e : layers) {
            MultiHeadAttention a = e.attn();
            MultiHeadAttention wa = new MultiHeadAttention(wide(a.q()), wide(a.k()), wide(a.v()), wide(a.out()), a.heads());
            out.add(new EncoderLayer(e.attnNorm(), wa, e.mlpNorm(), wide(e.fc1()), wide(e.fc2()), e.act()));
        }
        return out;
    }

    private static Linear wide(Linear l) {
        Matrix w = l.weight();
        float[] v = new float[w.rows() * w.cols()];
        w.tensor().dequantize(w.offset(), v, 0, v.length);
        return new Linear(KernelHarness.matrix(DType.F32, v, w.rows(), w.cols()), l.bias());
    }

    @Test
    void convolutionsMatchTheHost() {
        Random r = new Random(11);
        // Whisper's stem: channel-major mels, stride 1; then time-major, stride 2 (odd frame count too)
        for (int frames : new int[]{40, 41}) {
            Linear conv1 = linear(r, 24, 10 * 3, true, DType.F32), conv2 = linear(r, 24, 24 * 3, true, DType.F16);
            float[] mel = KernelHarness.random(r, 10 * frames, 1f);
            float[] h1 = host.conv3(conv1, mel, 10, frames, 1, true, Activation.GELU);
            KernelHarness.assertClose(h1, device.conv3(conv1, mel, 10, frames, 1, true, Activation.GELU), TOL, "conv1 " + frames);
            float[] h2 = host.conv3(conv2, h1, 24, frames, 2, false, Activation.GELU);
            float[] d2 = device.conv3(conv2, h1, 24, frames, 2, false, Activation.GELU);
            assertEquals((frames - 1) / 2 + 1, d2.length / 24);
            KernelHarness.assertClose(h2, d2, TOL, "conv2 " + frames);
        }
    }

    @Test
    void patchEmbeddingMatchesTheHost() {
        Random r = new Random(5);
        int channels = 3, image = 28, patch = 7, d = 20;
        Matrix w = KernelHarness.matrix(DType.F32, KernelHarness.random(r, d * channels * patch * patch, 0.1f), d, channels * patch * patch);
        float[] px = KernelHarness.random(r, channels * image * image, 1f);
        KernelHarness.assertClose(host.patchEmbed(w, px, channels, image, patch), device.patchEmbed(w, px, channels, image, patch), TOL, "patches");
    }
}
