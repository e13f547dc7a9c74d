package dev.unimoe.tornado;

import dev.unimoe.model.Model;
import dev.unimoe.runtime.Backend;
import dev.unimoe.runtime.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TornadoBackendTest {
    @Test
    void foundByServiceLoaderAndUsable() {
        ByteArrayOutputStream warn = new ByteArrayOutputStream();
        Backend b = Backends.select("tornado", new PrintStream(warn));
        assertEquals("tornado", b.name(), "warnings: " + warn);
        assertNull(b.unavailableReason());
        assertFalse(b.devices().isEmpty());
        System.out.println("devices " + b.devices());
        assertTrue(b.devices().get(0).toLowerCase().contains("opencl"), b.devices().toString());
    }

    @Test
    void refusesAModelTooLargeForTheDeviceBeforeCopying() throws Exception {
        String old = System.getProperty("tornado.device.memory");
        System.setProperty("tornado.device.memory", "1MB");
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new TornadoBackend().open(m.config(), m.weights(), 64, 1, "0"));
            assertTrue(e.getMessage().contains("MiB") && e.getMessage().contains("1.0 MiB"), e.getMessage());
            if (new TornadoBackend().devices().size() >= 2) {   // split, each device is checked for its own share
                IllegalStateException split = assertThrows(IllegalStateException.class,
                        () -> new TornadoBackend().open(m.config(), m.weights(), 64, 1, "0,1"));
                assertTrue(split.getMessage().contains("on the device opencl-0-1"), split.getMessage());   // the LM head sits there
            }
        } finally {
            if (old == null) System.clearProperty("tornado.device.memory");
            else System.setProperty("tornado.device.memory", old);
        }
    }

    @Test
    void deviceSpecParsing() throws Exception {
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null)) {
            Backend b = new TornadoBackend();
            assertThrows(IllegalArgumentException.class, () -> b.open(m.config(), m.weights(), 64, 1, "7"));
            assertThrows(IllegalArgumentException.class, () -> b.open(m.config(), m.weights(), 64, 1, "0,0,0"));
            assertThrows(IllegalArgumentException.class, () -> b.open(m.config(), m.weights(), 64, 1, "x"));
        }
        assertEquals(3L << 30, TornadoDevices.parseSize("3GB"));
        assertEquals(512L << 20, TornadoDevices.parseSize("512MB"));
    }

    /** "0,0": one device per layer graph, assigned task by task (the path a heterogeneous split takes). */
    @Test
    void perLayerDeviceListRunsTheSameTokens() throws Exception {
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null);
             dev.unimoe.formats.Safetensors ref = dev.unimoe.formats.Safetensors.open(TestFixtures.path("moe-mixtral", "references.safetensors"));
             dev.unimoe.model.Decoder d = new TornadoBackend().open(m.config(), m.weights(), 64, 1, "0,0")) {
            int[] prompt = TestFixtures.ints(ref, "p1.input_ids"), expected = TestFixtures.ints(ref, "p1.greedy_ids");
            int[] got = new dev.unimoe.model.Generator(d).generate(prompt, 20, dev.unimoe.model.Sampler.greedy(), null, null).generated();
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOf(expected, got.length), got);
        }
    }

    /**
     * Layer 0 on device 0 and layer 1 (and the logits) on device 1: the hidden state crosses
     * between two OpenCL devices every token, and with a batch of 4 every prompt chunk of up to
     * 4 rows. The build gives PoCL two devices (POCL_DEVICES).
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 4})
    void layersSplitOverTwoDevicesRunTheSameTokens(int batch) throws Exception {
        Backend b = new TornadoBackend();
        org.junit.jupiter.api.Assumptions.assumeTrue(b.devices().size() >= 2, "one OpenCL device only: " + b.devices());
        try (Model m = Model.load(TestFixtures.path("moe-mixtral"), null);
             dev.unimoe.formats.Safetensors ref = dev.unimoe.formats.Safetensors.open(TestFixtures.path("moe-mixtral", "references.safetensors"));
             dev.unimoe.model.Decoder d = b.open(m.config(), m.weights(), 64, batch, "0,1")) {
            assertTrue(String.valueOf(d.stats().get("device")).contains("graphs:"), "not split: " + d.stats());
            int[] prompt = TestFixtures.ints(ref, "p1.input_ids"), expected = TestFixtures.ints(ref, "p1.greedy_ids");
            int[] got = new dev.unimoe.model.Generator(d).generate(prompt, 20, dev.unimoe.model.Sampler.greedy(), null, null).generated();
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOf(expected, got.length), got);
        }
    }
}
