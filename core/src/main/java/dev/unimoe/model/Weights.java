package dev.unimoe.model;

import dev.unimoe.tensor.Matrix;

/** All weights of a decoder: the token embedding table [V, H], the layers, the final norm, the LM head [V, H]. */
public record Weights(Matrix embedding, LayerWeights[] layers, float[] finalNorm, Matrix lmHead) {

    public long totalBytes() {
        long n = embedding.byteSize() + lmHead.byteSize();
        for (LayerWeights l : layers) n += l.totalBytes();
        return n;
    }

    /** Weight bytes a single decoded token reads (embedding row is negligible and omitted). */
    public long activeBytesPerToken(int expertsPerToken) {
        long n = lmHead.byteSize();
        for (LayerWeights l : layers) n += l.activeBytes(expertsPerToken);
        return n;
    }

    public java.util.Map<String, Long> formatCounts() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        java.util.function.Consumer<Matrix> add = x -> { if (x != null) m.merge(x.tensor().type().name(), x.byteSize(), Long::sum); };
        add.accept(embedding);
        add.accept(lmHead);
        for (LayerWeights l : layers) {
            for (Matrix x : new Matrix[]{l.wq(), l.wk(), l.wv(), l.wo(), l.router(), l.sharedGate(), l.sharedUp(), l.sharedDown(),
                    l.sharedExpertGate(), l.ffnGate(), l.ffnUp(), l.ffnDown()}) add.accept(x);
            if (l.sparse()) for (int e = 0; e < l.expertGate().length; e++) {
                add.accept(l.expertGate()[e]);
                add.accept(l.expertUp()[e]);
                add.accept(l.expertDown()[e]);
            }
        }
        return m;
    }
}
