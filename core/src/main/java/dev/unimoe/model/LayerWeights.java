package dev.unimoe.model;

import dev.unimoe.tensor.Matrix;

/**
 * One decoder layer's weights. Norm weights and biases are small and held as float arrays;
 * every matrix stays in its stored format. A sparse layer has {@code router} and per-expert
 * matrices (and optionally a Qwen2-MoE shared expert); a dense layer has {@code ffnGate/Up/Down}.
 */
public record LayerWeights(
        float[] attnNorm,
        Matrix wq, Matrix wk, Matrix wv, Matrix wo,
        float[] bq, float[] bk, float[] bv,
        float[] ffnNorm,
        Matrix router,                                  // [E, H]
        Matrix[] expertGate, Matrix[] expertUp, Matrix[] expertDown,
        Matrix sharedGate, Matrix sharedUp, Matrix sharedDown,
        Matrix sharedExpertGate,                        // [1, H]
        Matrix ffnGate, Matrix ffnUp, Matrix ffnDown) {

    public boolean sparse() {
        return router != null;
    }

    /** Bytes of weights one token reads in this layer (attention + router + its k experts or the dense FFN). */
    public long activeBytes(int expertsPerToken) {
        long n = wq.byteSize() + wk.byteSize() + wv.byteSize() + wo.byteSize();
        if (sparse()) {
            n += router.byteSize();
            n += expertsPerToken * (expertGate[0].byteSize() + expertUp[0].byteSize() + expertDown[0].byteSize());
            if (sharedGate != null) n += sharedGate.byteSize() + sharedUp.byteSize() + sharedDown.byteSize() + sharedExpertGate.byteSize();
        } else {
            n += ffnGate.byteSize() + ffnUp.byteSize() + ffnDown.byteSize();
        }
        return n;
    }

    /** Bytes of all its weights: every expert is the same size, so this is the cost of reading all E of them. */
    public long totalBytes() {
        return activeBytes(sparse() ? expertGate.length : 0);
    }
}
