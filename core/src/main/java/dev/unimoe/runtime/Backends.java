package dev.unimoe.runtime;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds backends: the CPU one plus every {@link Backend} registered on the class path, and picks
 * one for {@code --backend cpu|tornado|auto}. "auto" takes the first usable accelerator and
 * falls back to the CPU with a one-line warning.
 */
public final class Backends {
    private Backends() {}

    public static List<Backend> all() {
        List<Backend> out = new ArrayList<>();
        out.add(CpuBackend.INSTANCE);
        try {
            for (Backend b : ServiceLoader.load(Backend.class)) out.add(b);
        } catch (java.util.ServiceConfigurationError | LinkageError e) {
            // an accelerator module whose SDK is not on the class path: it is simply not there
        }
        return out;
    }

    public static Backend select(String name, PrintStream warnings) {
        String n = name == null ? "cpu" : name;
        if (n.equals("cpu")) return CpuBackend.INSTANCE;
        List<Backend> found = all();
        if (n.equals("auto")) {
            for (Backend b : found) {
                if (b != CpuBackend.INSTANCE && b.unavailableReason() == null) return b;
            }
            String why = found.size() == 1 ? "no accelerator backend on the class path (TornadoVM: set TORNADOVM_HOME)"
                    : found.get(1).name() + ": " + found.get(1).unavailableReason();
            if (warnings != null) warnings.println("warning: --backend auto: " + why + "; running on the CPU");
            return CpuBackend.INSTANCE;
        }
        for (Backend b : found) {
            if (b.name().equals(n)) {
                String why = b.unavailableReason();
                if (why != null) throw new IllegalStateException("--backend " + n + ": " + why);
                return b;
            }
        }
        if (n.equals("tornado")) {
            throw new IllegalStateException("--backend tornado: TornadoVM is not available. Install the TornadoVM SDK, set TORNADOVM_HOME "
                    + "to it and rebuild (scripts/unimoe then starts the JVM with its argfile); or use --backend cpu");
        }
        throw new IllegalArgumentException("--backend must be cpu, tornado or auto; got '" + n + "'");
    }
}
