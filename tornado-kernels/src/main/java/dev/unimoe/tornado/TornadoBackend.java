package dev.unimoe.tornado;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Weights;
import dev.unimoe.runtime.Backend;

import java.util.List;

/**
 * The TornadoVM backend ({@code --backend tornado}). This class touches no TornadoVM type
 * directly, so it loads (and reports why it is unusable) in a JVM started without the SDK's
 * argfile; everything TornadoVM lives in {@link TornadoDevices} and {@link TornadoDecoder}.
 */
public final class TornadoBackend implements Backend {
    static {
        // TornadoVM reads these once, when its runtime starts; a user's -D still wins.
        // A layer graph of ~25 tasks and ~50 buffers overflows the default 4 KiB bytecode buffer.
        setDefault("tornado.tvm.maxbytecodesize", "262144");
        // Re-checking every task's arguments on every execution, and clearing 32768-entry event
        // lists per graph, cost more host time per decode step than the kernels take on a GPU
        // (measured on an H100: about 51 -> 113 tok/s at Q8_0 on the benchmark shape).
        setDefault("tornado.check.parameters", "False");
        setDefault("tornado.max.events", "1024");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    @Override public String name() { return "tornado"; }

    @Override
    public String unavailableReason() {
        try {
            return TornadoDevices.problem();
        } catch (Throwable t) {   // NoClassDefFoundError, ExceptionInInitializerError, UnsatisfiedLinkError ...
            return "TornadoVM runtime not available (start the JVM with @$TORNADOVM_HOME/tornado-argfile): " + t;
        }
    }

    @Override
    public List<String> devices() {
        if (unavailableReason() != null) return List.of();
        return TornadoDevices.describe();
    }

    /**
     * {@code device}: null or "N" puts every graph on device N of the first TornadoVM backend;
     * "a,b,c,..." gives one device per layer graph (the logits graph takes the last one).
     * {@code maxBatch}: prompt rows per launch (see {@link TornadoDecoder#batchRows}).
     */
    @Override
    public Decoder open(ModelConfig config, Weights weights, int ctx, int maxBatch, String device) {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        return TornadoDevices.open(config, weights, ctx, maxBatch, device);
    }

    private Kernels kernels;

    /** Device matrix products for encoders and projectors; the CPU kernels when TornadoVM is unusable here. */
    @Override
    public synchronized Kernels kernels() {
        if (kernels == null) kernels = unavailableReason() == null ? TornadoDevices.kernels() : CpuKernels.INSTANCE;
        return kernels;
    }
}
