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

    /** Parameter counts: [total, active per token]; active counts k of the E routed experts. */
    public long[] parameterCounts(int expertsPerToken) {
        long total = params(embedding) + (lmHead == embedding ? 0 : params(lmHead)) + finalNorm.length, active = total;
        for (LayerWeights l : layers) {
            long common = params(l.wq()) + params(l.wk()) + params(l.wv()) + params(l.wo()) + l.attnNorm().length + l.ffnNorm().length
                    + len(l.bq()) + len(l.bk()) + len(l.bv());
            total += common;
            active += common;
            if (l.sparse()) {
                long shared = params(l.router()) + params(l.sharedGate()) + params(l.sharedUp()) + params(l.sharedDown()) + params(l.sharedExpertGate());
                long one = params(l.expertGate()[0]) + params(l.expertUp()[0]) + params(l.expertDown()[0]);
                total += shared + one * l.expertGate().length;
                active += shared + one * expertsPerToken;
            } else {
                long ffn = params(l.ffnGate()) + params(l.ffnUp()) + params(l.ffnDown());
                total += ffn;
                active += ffn;
            }
        }
        return new long[]{total, active};
    }

    private static long params(Matrix m) {
        return m == null ? 0 : (long) m.rows() * m.cols();
    }

    private static long len(float[] a) {
        return a == null ? 0 : a.length;
    }

    /** Every matrix the decoder multiplies with (the LM head and each layer's), each once; the embedding only when it is the LM head. */
    public java.util.List<Matrix> matrices() {
        java.util.List<Matrix> all = new java.util.ArrayList<>();
        all.add(lmHead);
        for (LayerWeights l : layers) {
            for (Matrix x : new Matrix[]{l.wq(), l.wk(), l.wv(), l.wo(), l.router(), l.sharedGate(), l.sharedUp(), l.sharedDown(),
                    l.sharedExpertGate(), l.ffnGate(), l.ffnUp(), l.ffnDown()}) if (x != null) all.add(x);
            if (l.sparse()) for (int e = 0; e < l.expertGate().length; e++) {
                all.add(l.expertGate()[e]);
                all.add(l.expertUp()[e]);
                all.add(l.expertDown()[e]);
            }
        }
        return all;
    }

    /** Stored bytes per format name, over all matrices. */
    public java.util.Map<String, Long> formatCounts() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        java.util.function.Consumer<Matrix> add = x -> m.merge(x.tensor().type().name(), x.byteSize(), Long::sum);
        if (lmHead != embedding) add.accept(embedding);
        matrices().forEach(add);
        return m;
    }
}
