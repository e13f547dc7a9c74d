package dev.unimoe.tornado;

import dev.unimoe.encoders.ClipVisionTower;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.kernels.Kernels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLIP vision tower with its matrix products on the device, against the reference hidden states. */
class EncoderDeviceTest {
    @Test
    void severalShapesInOneProcess() {
        Kernels k = new TornadoBackend().kernels();
        java.util.Random r = new java.util.Random(1);
        int[][] shapes = {{48, 96, 3}, {64, 16, 50}, {16, 50, 50}, {256, 64, 50}, {64, 3072, 49}};
        for (int[] sh : shapes) {
            int rows = sh[0], cols = sh[1], tokens = sh[2];
            dev.unimoe.tensor.Matrix m = KernelHarness.matrix(dev.unimoe.tensor.DType.F32, KernelHarness.random(r, rows * cols, 0.5f), rows, cols);
            float[] x = KernelHarness.random(r, tokens * cols, 1f), want = new float[tokens * rows], got = new float[tokens * rows];
            dev.unimoe.kernels.CpuKernels.INSTANCE.matmul(m, x, tokens, want);
            k.matmul(m, x, tokens, got);
            KernelHarness.assertClose(want, got, 1e-4f, "matmul " + rows + "x" + cols + " x" + tokens);
        }
    }

    @Test
    void clipFeaturesOnTheDevice() {
        Kernels k = new TornadoBackend().kernels();
        try (ClipVisionTower tower = ClipVisionTower.load(TestFixtures.path("clip-vision"), k);
             Safetensors ref = Safetensors.open(TestFixtures.path("clip-vision", "reference.safetensors"))) {
            float[] px = TestFixtures.floats(ref, "chelsea.pixel_values");
            float[] got = tower.features(px, -2, true);
            float[] want = TestFixtures.floats(ref, "chelsea.select_layer_-2_no_cls");
            float scale = 0, worst = 0;
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
            assertTrue(worst <= 1e-4f * scale, "CLIP on the device: max |diff| " + worst + " of " + scale);
        }
    }
}
