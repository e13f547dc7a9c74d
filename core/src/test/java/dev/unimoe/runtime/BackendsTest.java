package dev.unimoe.runtime;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend choice in the core alone (no accelerator module on the class path). */
class BackendsTest {
    @Test
    void cpuAlwaysAndAutoFallsBackWithAWarning() {
        assertSame(CpuBackend.INSTANCE, Backends.select(null, null));
        assertSame(CpuBackend.INSTANCE, Backends.select("cpu", null));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertSame(CpuBackend.INSTANCE, Backends.select("auto", new PrintStream(err, true)));
        assertTrue(err.toString().startsWith("warning: --backend auto") && err.toString().contains("running on the CPU"), err.toString());
        assertEquals(1, err.toString().lines().count());
    }

    @Test
    void tornadoWithoutTheModuleIsOneClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.select("tornado", null));
        assertTrue(e.getMessage().contains("TORNADOVM_HOME") && e.getMessage().contains("--backend cpu"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Backends.select("cuda", null));
        assertTrue(bad.getMessage().contains("cpu, tornado or auto"), bad.getMessage());
    }

    @Test
    void cpuBackendOpensAForwardPassAndRefusesOtherDevices() {
        assertThrows(IllegalArgumentException.class, () -> CpuBackend.INSTANCE.open(null, null, 8, 1, "3"));
        assertEquals(1, CpuBackend.INSTANCE.devices().size());
    }
}
