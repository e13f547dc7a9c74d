package dev.unimoe.model;

import java.util.Arrays;

/**
 * Shape and maths switches of a LLaMA-family decoder with an optional sparse-MoE FFN.
 * One record serves HF configs (llama, mixtral, qwen2, qwen2_moe, Uni-MoE) and GGUF metadata.
 *
 * @param architecture    HF model_type (llama, mixtral, qwen2, qwen2_moe, unimoe)
 * @param ffn             intermediate size of dense FFN layers
 * @param experts         routed experts per sparse layer (0: dense model)
 * @param expertFfn       intermediate size of one routed expert
 * @param sharedExpertFfn intermediate size of the Qwen2-MoE shared expert (0: none)
 * @param normTopkProb    renormalise the top-k probabilities to sum to 1
 * @param sparseLayers    per layer: true when its FFN is the MoE
 * @param ropePairwise    true when q/k rows are in GGUF's interleaved (2i, 2i+1) order
 */
public record ModelConfig(
        String architecture,
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int experts,
        int expertsPerToken,
        int expertFfn,
        int sharedExpertFfn,
        boolean normTopkProb,
        boolean qkvBias,
        float rmsEps,
        float ropeTheta,
        int contextLength,
        boolean[] sparseLayers,
        boolean tieEmbeddings,
        boolean ropePairwise) {

    public ModelConfig {
        sparseLayers = sparseLayers.clone();
    }

    public boolean sparse(int layer) {
        return sparseLayers[layer];
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    public boolean hasSharedExpert() { return sharedExpertFfn > 0; }

    public int sparseLayerCount() {
        int n = 0;
        for (boolean b : sparseLayers) if (b) n++;
        return n;
    }

    /** All layers sparse (experts &gt; 0) or all dense. */
    public static boolean[] uniform(int layers, boolean sparse) {
        boolean[] b = new boolean[layers];
        Arrays.fill(b, sparse);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() { return toString().hashCode(); }

    @Override
    public String toString() {
        return "ModelConfig[" + architecture + " vocab=" + vocabSize + " hidden=" + hidden + " layers=" + layers
                + " heads=" + heads + "/" + kvHeads + " headDim=" + headDim + " ffn=" + ffn + " experts=" + experts
                + " top" + expertsPerToken + " expertFfn=" + expertFfn + " shared=" + sharedExpertFfn
                + " normTopk=" + normTopkProb + " qkvBias=" + qkvBias + " eps=" + rmsEps + " theta=" + ropeTheta
                + " ctx=" + contextLength + " sparse=" + Arrays.toString(sparseLayers) + " tied=" + tieEmbeddings
                + " pairwise=" + ropePairwise + "]";
    }
}
