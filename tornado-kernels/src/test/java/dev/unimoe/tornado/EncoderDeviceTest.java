package dev.unimoe.tornado;

import dev.unimoe.encoders.ClipVisionTower;
import dev.unimoe.encoders.WhisperEncoder;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.kernels.Kernels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLIP vision tower and the Whisper encoder on the device (layer stacks, convolutions), against HF's hidden states. */
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
        TornadoKernels k = (TornadoKernels) new TornadoBackend().kernels();
        try (ClipVisionTower tower = ClipVisionTower.load(TestFixtures.path("clip-vision"), k);
             Safetensors ref = Safetensors.open(TestFixtures.path("clip-vision", "reference.safetensors"))) {
            float[] px = TestFixtures.floats(ref, "chelsea.pixel_values");
            assertWithin(TestFixtures.floats(ref, "chelsea.select_layer_-2_no_cls"), tower.features(px, -2, true), "CLIP on the device");
            assertTrue(k.stackExecutions() == tower.config().layers() - 1, "layers run as a device stack: " + k.stackExecutions());
        }
    }

    /** Whisper's stem convolutions and layers on the device, against HF's hidden states for jfk.wav. */
    @Test
    void whisperEncoderOnTheDevice() {
        TornadoKernels k = (TornadoKernels) new TornadoBackend().kernels();
        try (WhisperEncoder enc = WhisperEncoder.load(TestFixtures.path("whisper-audio"), k);
             Safetensors ref = Safetensors.open(TestFixtures.path("whisper-audio", "reference.safetensors"))) {
            WhisperEncoder.Output out = enc.forwardAll(TestFixtures.floats(ref, "jfk.chunk0.input_features"));
            assertWithin(TestFixtures.floats(ref, "jfk.chunk0.encoder_hidden_states.0"), out.hiddenStates().get(0), "Whisper stem on the device");
            assertWithin(TestFixtures.floats(ref, "jfk.chunk0.encoder_hidden_states.1"), out.hiddenStates().get(1), "Whisper layer 0 on the device");
            assertWithin(TestFixtures.floats(ref, "jfk.chunk0.encoder_last_hidden_state"), out.lastHiddenState(), "Whisper encoder on the device");
            assertTrue(k.stackExecutions() == enc.config().encoderLayers(), "layers run as a device stack: " + k.stackExecutions());
        }
    }

    /** max |diff| ≤ 1e-4 of the reference's largest magnitude (the host towers hold the same). */
    private static void assertWithin(float[] want, float[] got, String what) {
        float scale = 0, worst = 0;
        for (float v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        assertTrue(worst <= 1e-4f * scale, what + ": max |diff| " + worst + " of " + scale);
    }
}
