package dev.unimoe.runtime;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.kernels.Parallel;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Forward;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Weights;

import java.util.List;

/** The Vector API CPU path, always available. */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    @Override public String name() { return "cpu"; }

    @Override public String unavailableReason() { return null; }

    @Override
    public List<String> devices() {
        return List.of("cpu: " + Parallel.threads() + " threads, Vector API");
    }

    @Override
    public Decoder open(ModelConfig config, Weights weights, int ctx, int maxBatch, String device) {
        if (device != null && !device.equals("0") && !device.equals("cpu")) {
            throw new IllegalArgumentException("the cpu backend has one device (0); got --device " + device);
        }
        // quantized matrices repacked for the CPU kernels now, not during the first tokens
        CpuKernels.Packing p = CpuKernels.INSTANCE.pack(weights.matrices());
        if (p.leftRowByRow() > 0) {
            System.err.printf("warning: %d matrices (%d MiB of interleaved copies) stay in the slower row-by-row layout: "
                    + "the Java heap has no room for them (raise UNIMOE_HEAP, the JVM's -Xmx, above the model's size), "
                    + "or a Q6_K scale in them is not finite (a damaged file)%n",
                    p.leftRowByRow(), p.leftBytes() >> 20);
        }
        return new Forward(config, weights, CpuKernels.INSTANCE, ctx, maxBatch);
    }

    @Override public Kernels kernels() { return CpuKernels.INSTANCE; }
}
