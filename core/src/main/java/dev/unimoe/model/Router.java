package dev.unimoe.model;

/**
 * Top-k expert routing: softmax over all router logits, the k largest probabilities (largest
 * first, lower index first on ties), optionally renormalised to sum to one. Softmax over the
 * k selected logits (Uni-MoE's form) equals the renormalised variant.
 */
public final class Router {
    private Router() {}

    /**
     * @param logits  [T, E] router logits (left untouched)
     * @param ids     [T, K] chosen experts, out
     * @param weights [T, K] mixing weights, out
     * @param probs   scratch of at least E values
     */
    public static void route(float[] logits, int tokens, int experts, int k, boolean normTopk, int[] ids, float[] weights, float[] probs) {
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(logits, t * experts, probs, 0, experts);
            Ops.softmax(probs, 0, experts);
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (taken(ids, t * k, j, e)) continue;
                    if (best < 0 || probs[e] > probs[best]) best = e;
                }
                ids[t * k + j] = best;
                weights[t * k + j] = probs[best];
                sum += probs[best];
            }
            if (normTopk) for (int j = 0; j < k; j++) weights[t * k + j] /= sum;
        }
    }

    private static boolean taken(int[] ids, int off, int count, int e) {
        for (int j = 0; j < count; j++) if (ids[off + j] == e) return true;
        return false;
    }
}
