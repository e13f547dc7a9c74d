package dev.unimoe.tornado;

import dev.unimoe.model.LayerWeights;
import dev.unimoe.model.Weights;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;

/** Test weights: every matrix of a model re-stored as another type (F16, BF16, Q4_0, ...); embedding kept. */
final class ConvertedWeights {
    private ConvertedWeights() {}

    static Weights to(DType type, Weights w) {
        LayerWeights[] ls = new LayerWeights[w.layers().length];
        for (int i = 0; i < ls.length; i++) {
            LayerWeights l = w.layers()[i];
            ls[i] = new LayerWeights(l.attnNorm(), m(type, l.wq()), m(type, l.wk()), m(type, l.wv()), m(type, l.wo()), l.bq(), l.bk(), l.bv(),
                    l.ffnNorm(), m(type, l.router()), ms(type, l.expertGate()), ms(type, l.expertUp()), ms(type, l.expertDown()),
                    m(type, l.sharedGate()), m(type, l.sharedUp()), m(type, l.sharedDown()), m(type, l.sharedExpertGate()),
                    m(type, l.ffnGate()), m(type, l.ffnUp()), m(type, l.ffnDown()));
        }
        return new Weights(w.embedding(), ls, w.finalNorm(), m(type, w.lmHead()));
    }

    static Matrix[] ms(DType type, Matrix[] a) {
        if (a == null) return null;
        Matrix[] o = new Matrix[a.length];
        for (int i = 0; i < a.length; i++) o[i] = m(type, a[i]);
        return o;
    }

    static Matrix m(DType type, Matrix x) {
        if (x == null) return null;
        if (x.cols() % 32 != 0 && (type == DType.Q8_0 || type == DType.Q4_0)) return x;
        float[] v = new float[x.rows() * x.cols()];
        x.tensor().dequantize(x.offset(), v, 0, v.length);
        return KernelHarness.matrix(type, v, x.rows(), x.cols());
    }
}
