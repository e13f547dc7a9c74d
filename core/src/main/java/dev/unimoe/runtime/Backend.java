package dev.unimoe.runtime;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Weights;

import java.util.List;

/**
 * A way to run models: the CPU here, accelerators in optional modules found with
 * {@link java.util.ServiceLoader} (the TornadoVM module registers one), so the core never
 * depends on an accelerator SDK.
 */
public interface Backend {
    /** "cpu", "tornado", ... as given to {@code --backend}. */
    String name();

    /** Null when usable here; otherwise one line saying why not (no SDK, no device). */
    String unavailableReason();

    /** The devices this backend sees, one line each, in the order {@code --device N} numbers them. */
    List<String> devices();

    /**
     * A decoder over these weights with a KV cache of {@code ctx} positions. {@code device} is
     * backend-specific (null for the default); a model that cannot fit the device must fail
     * here, before weights are copied, naming both sizes.
     */
    Decoder open(ModelConfig config, Weights weights, int ctx, int maxBatch, String device);

    /** Matrix products for encoders and projectors on this backend. */
    Kernels kernels();
}
