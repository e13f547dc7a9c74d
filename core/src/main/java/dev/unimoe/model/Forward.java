package dev.unimoe.model;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;

import java.util.Arrays;

/**
 * The decoder forward pass over a batch of T rows (a prompt chunk in prefill, one token in
 * decode), with every buffer allocated up front for {@code maxBatch} rows and a float32 KV cache
 * of {@code ctx} positions. Matrix products go through {@link Kernels}; the MoE groups the
 * batch's rows by expert so each selected expert's weights are read once per batch.
 */
public final class Forward implements Decoder {
    private final ModelConfig c;
    private final Weights w;
    private final Kernels kernels;
    private final int maxBatch, ctx;
    private final Rope rope;
    private final float[][] keyCache, valueCache;   // [layer][ctx · kvDim]

    // activations, T rows each
    private final float[] x, xb, q, k, v, attn, proj, moe, routerLogits, routeW, probs, gather, gate, up, expertOut, sharedGate;
    private final int[] routeIds, expertRows, expertCount;
    private final float[][] expertGateBuf, expertUpBuf;             // decode: one gate/up row per chosen expert
    private Trace trace;

    public Forward(ModelConfig c, Weights w, Kernels kernels, int ctx, int maxBatch) {
        this.c = c;
        this.w = w;
        this.kernels = kernels;
        this.ctx = ctx;
        this.maxBatch = maxBatch;
        this.rope = new Rope(c.headDim(), c.ropeTheta(), ctx, c.ropePairwise());
        int H = c.hidden(), B = maxBatch, E = Math.max(1, c.experts()), K = Math.max(1, c.expertsPerToken());
        int F = Math.max(c.ffn(), Math.max(c.expertFfn(), c.sharedExpertFfn()));
        keyCache = new float[c.layers()][ctx * c.kvDim()];
        valueCache = new float[c.layers()][ctx * c.kvDim()];
        x = new float[B * H];
        xb = new float[B * H];
        q = new float[B * c.qDim()];
        k = new float[B * c.kvDim()];
        v = new float[B * c.kvDim()];
        attn = new float[B * c.qDim()];
        proj = new float[B * H];
        moe = new float[B * H];
        routerLogits = new float[B * E];
        routeW = new float[B * K];
        routeIds = new int[B * K];
        probs = new float[E];
        gather = new float[B * H];
        gate = new float[B * F];
        up = new float[B * F];
        expertOut = new float[B * H];
        sharedGate = new float[B];
        expertRows = new int[E * B];   // per expert: the (row·K + slot) entries routed to it
        expertCount = new int[E];
        expertGateBuf = new float[K][Math.max(1, c.expertFfn())];
        expertUpBuf = new float[K][Math.max(1, c.expertFfn())];
    }

    @Override public ModelConfig config() { return c; }

    @Override public Weights weights() { return w; }

    @Override public int contextLength() { return ctx; }

    @Override public void setTrace(Trace trace) { this.trace = trace; }

    /**
     * Runs rows {@code input[0, T)} (embeddings, [T, H]) at positions pos … pos+T−1 through the
     * decoder. Logits go to {@code logits}: all T rows ([T, V]) when allRows, else the last row.
     * T may exceed maxBatch; the input is then processed in chunks.
     */
    @Override
    public void forward(float[] input, int T, int pos, float[] logits, boolean allRows) {
        if (pos + T > ctx) {
            throw new IllegalArgumentException("sequence of " + (pos + T) + " positions exceeds the context length " + ctx);
        }
        int H = c.hidden(), V = c.vocabSize();
        for (int start = 0; start < T; start += maxBatch) {
            int n = Math.min(maxBatch, T - start);
            System.arraycopy(input, start * H, x, 0, n * H);
            for (int l = 0; l < c.layers(); l++) layer(l, n, pos + start);
            boolean last = start + n == T;
            if (allRows || last) {
                for (int t = 0; t < n; t++) Ops.rmsnorm(xb, t * H, x, t * H, w.finalNorm(), H, c.rmsEps());
                if (trace != null) trace.finalNorm(pos + start, xb, n);
                if (logits == null) continue;
                if (allRows) {
                    if (start == 0 && n == T) {
                        kernels.matmul(w.lmHead(), xb, n, logits);
                    } else {
                        float[] part = new float[n * V];
                        kernels.matmul(w.lmHead(), xb, n, part);
                        System.arraycopy(part, 0, logits, start * V, n * V);
                    }
                } else {
                    System.arraycopy(xb, (n - 1) * H, gather, 0, H);
                    kernels.matmul(w.lmHead(), gather, 1, logits);
                }
            }
        }
    }

    private void layer(int l, int T, int pos) {
        LayerWeights L = w.layers()[l];
        int H = c.hidden(), qd = c.qDim(), kvd = c.kvDim();
        // attention block: x += Wo · attention(rope(Wq·a), rope(Wk·a), Wv·a),  a = rmsnorm(x)
        for (int t = 0; t < T; t++) Ops.rmsnorm(xb, t * H, x, t * H, L.attnNorm(), H, c.rmsEps());
        kernels.matmulMany(new Matrix[]{L.wq(), L.wk(), L.wv()}, xb, T, new float[][]{q, k, v});
        float[] kc = keyCache[l], vc = valueCache[l];
        for (int t = 0; t < T; t++) {
            if (L.bq() != null) {
                Ops.addBias(q, t * qd, L.bq());
                Ops.addBias(k, t * kvd, L.bk());
                Ops.addBias(v, t * kvd, L.bv());
            }
            rope.apply(q, t * qd, c.heads(), pos + t);
            rope.apply(k, t * kvd, c.kvHeads(), pos + t);
            System.arraycopy(k, t * kvd, kc, (pos + t) * kvd, kvd);
            System.arraycopy(v, t * kvd, vc, (pos + t) * kvd, kvd);
        }
        Attention.run(q, kc, vc, attn, T, pos, c.heads(), c.kvHeads(), c.headDim());
        kernels.matmul(L.wo(), attn, T, proj);
        for (int i = 0; i < T * H; i++) x[i] += proj[i];
        if (trace != null) trace.attnResidual(l, pos, x, T);

        // feed-forward block: x += FFN(rmsnorm(x))
        for (int t = 0; t < T; t++) Ops.rmsnorm(xb, t * H, x, t * H, L.ffnNorm(), H, c.rmsEps());
        if (L.sparse()) {
            moe(l, L, T, pos);
        } else {
            swiglu(L.ffnGate(), L.ffnUp(), L.ffnDown(), xb, T, moe);
        }
        for (int i = 0; i < T * H; i++) x[i] += moe[i];
        if (trace != null) trace.layerOutput(l, pos, x, T);
    }

    /** out[T, H] = down · (silu(gate · in) ⊙ up · in) for T rows of in. */
    private void swiglu(Matrix g, Matrix u, Matrix d, float[] in, int T, float[] out) {
        int F = g.rows();
        kernels.matmulMany(new Matrix[]{g, u}, in, T, new float[][]{gate, up});
        for (int i = 0; i < T * F; i++) gate[i] = Ops.silu(gate[i]) * up[i];
        kernels.matmul(d, gate, T, out);
    }

    /**
     * One token: the k chosen experts share its input, so their gate and up projections run as one
     * pass; the down projections follow, and the outputs are summed in ascending expert order
     * (the order the batched path and HF use, so decode and prefill agree bit for bit).
     */
    private void decodeExperts(LayerWeights L, int K) {
        int H = c.hidden(), F = c.expertFfn();
        Matrix[] ws = new Matrix[2 * K];
        float[][] outs = new float[2 * K][];
        for (int j = 0; j < K; j++) {
            int e = routeIds[j];
            ws[2 * j] = L.expertGate()[e];
            ws[2 * j + 1] = L.expertUp()[e];
            outs[2 * j] = expertGateBuf[j];
            outs[2 * j + 1] = expertUpBuf[j];
        }
        kernels.matmulMany(ws, xb, 1, outs);
        int[] order = new int[K];
        for (int j = 0; j < K; j++) order[j] = j;
        for (int a = 1; a < K; a++) {                                  // insertion sort by expert id
            for (int b = a; b > 0 && routeIds[order[b]] < routeIds[order[b - 1]]; b--) { int t = order[b]; order[b] = order[b - 1]; order[b - 1] = t; }
        }
        for (int j : order) {
            float[] g = expertGateBuf[j], u = expertUpBuf[j];
            for (int i = 0; i < F; i++) g[i] = Ops.silu(g[i]) * u[i];
            kernels.matmul(L.expertDown()[routeIds[j]], g, 1, expertOut);
            float wgt = routeW[j];
            for (int i = 0; i < H; i++) moe[i] += wgt * expertOut[i];
        }
    }

    /** Sparse MoE: route every row, then run each selected expert once over the rows routed to it. */
    private void moe(int l, LayerWeights L, int T, int pos) {
        int H = c.hidden(), E = c.experts(), K = c.expertsPerToken();
        kernels.matmul(L.router(), xb, T, routerLogits);               // [T, E]
        Router.route(routerLogits, T, E, K, c.normTopkProb(), routeIds, routeW, probs);
        if (trace != null) trace.routing(l, pos, routerLogits, routeIds, routeW, T);
        Arrays.fill(moe, 0, T * H, 0f);
        if (T == 1) {
            decodeExperts(L, K);
        } else {
            Arrays.fill(expertCount, 0);
            for (int i = 0; i < T * K; i++) {
                int e = routeIds[i];
                expertRows[e * maxBatch + expertCount[e]++] = i;
            }
            for (int e = 0; e < E; e++) {
                int n = expertCount[e];
                if (n == 0) continue;                                       // experts nobody chose are never read
                for (int r = 0; r < n; r++) {
                    int t = expertRows[e * maxBatch + r] / K;
                    System.arraycopy(xb, t * H, gather, r * H, H);
                }
                swiglu(L.expertGate()[e], L.expertUp()[e], L.expertDown()[e], gather, n, expertOut);
                for (int r = 0; r < n; r++) {
                    int entry = expertRows[e * maxBatch + r], t = entry / K;
                    float wgt = routeW[entry];
                    for (int i = 0; i < H; i++) moe[t * H + i] += wgt * expertOut[r * H + i];
                }
            }
        }
        if (L.sharedGate() != null) {
            kernels.matmul(L.sharedExpertGate(), xb, T, sharedGate);
            for (int t = 0; t < T; t++) sharedGate[t] = Ops.sigmoid(sharedGate[t]);
            if (trace != null) trace.sharedExpertGate(l, pos, sharedGate, T);
            swiglu(L.sharedGate(), L.sharedUp(), L.sharedDown(), xb, T, expertOut);
            for (int t = 0; t < T; t++) {
                float g = sharedGate[t];
                for (int i = 0; i < H; i++) moe[t * H + i] += g * expertOut[t * H + i];
            }
        }
    }
}
