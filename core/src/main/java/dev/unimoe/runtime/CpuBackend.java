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
        CpuKernels.INSTANCE.pack(weights.matrices());     // Q8_0/Q4_0 repacked for the CPU kernels now, not during the first tokens
        return new Forward(config, weights, CpuKernels.INSTANCE, ctx, maxBatch);
    }

    @Override public Kernels kernels() { return CpuKernels.INSTANCE; }
}
