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
        // a layer graph of ~25 tasks and ~50 buffers overflows TornadoVM's default 4 KiB bytecode buffer
        if (System.getProperty("tornado.tvm.maxbytecodesize") == null) System.setProperty("tornado.tvm.maxbytecodesize", "262144");
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
     */
    @Override
    public Decoder open(ModelConfig config, Weights weights, int ctx, int maxBatch, String device) {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        return TornadoDevices.open(config, weights, ctx, device);
    }

    private Kernels kernels;

    /** Device matrix products for encoders and projectors; the CPU kernels when TornadoVM is unusable here. */
    @Override
    public synchronized Kernels kernels() {
        if (kernels == null) kernels = unavailableReason() == null ? TornadoDevices.kernels() : CpuKernels.INSTANCE;
        return kernels;
    }
}
