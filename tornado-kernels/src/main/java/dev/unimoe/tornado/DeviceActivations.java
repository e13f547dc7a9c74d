package dev.unimoe.tornado;

import dev.unimoe.model.ModelConfig;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The activation buffers of one device's run of layer graphs, for a batch of up to {@code rows}
 * rows ([rows, ·] row-major): the hidden state, scratch for attention and the FFN, routing
 * results, the RoPE tables and pos = [first position, rows in this call]. TornadoVM 5.2 passes a
 * persisted buffer only to graphs on the same device, so each device of a split gets its own set
 * and the hidden state crosses between devices through the host.
 */
final class DeviceActivations {
    final int rows;
    final FloatArray x, xb, q, att, scores, hb, rlog, wts, sgw, cos, sin;
    final IntArray ids, pos;

    DeviceActivations(ModelConfig c, int rows, int ctx, float[] cosTable, float[] sinTable) {
        this.rows = rows;
        int K = Math.max(1, c.expertsPerToken());
        x = new FloatArray(rows * c.hidden());
        xb = new FloatArray(rows * c.hidden());
        q = new FloatArray(rows * c.qDim());
        att = new FloatArray(rows * c.qDim());
        scores = new FloatArray(rows * c.heads() * ctx);
        hb = new FloatArray(rows * ffnWidth(c));
        rlog = new FloatArray(rows * Math.max(1, routerRows(c)));
        wts = new FloatArray(rows * K);
        ids = new IntArray(rows * K);
        sgw = new FloatArray(rows);
        pos = new IntArray(2);
        cos = FloatArray.fromArray(cosTable);
        sin = FloatArray.fromArray(sinTable);
    }

    /**
     * Every buffer the layer graphs share. Each graph, dense or sparse, uses all of them:
     * TornadoVM 5.2 hands a graph the buffers of the graph executed just before it, so one that
     * skipped a buffer would leave the next graph without it.
     */
    Object[] all() {
        return new Object[]{x, xb, q, att, scores, hb, rlog, wts, ids, sgw, pos, cos, sin};
    }

    /** Buffers written once and only read by the kernels. */
    boolean isConstant(Object o) {
        return o == cos || o == sin;
    }

    /** Widest FFN row a slot set needs: a dense FFN, the k routed experts side by side, or the shared expert. */
    static int ffnWidth(ModelConfig c) {
        return Math.max(1, Math.max(c.ffn(), Math.max(Math.max(1, c.expertsPerToken()) * c.expertFfn(), c.sharedExpertFfn())));
    }

    /** Router logits per row: one per expert, plus the shared expert's gate (Qwen2-MoE). */
    static int routerRows(ModelConfig c) {
        return c.experts() + (c.hasSharedExpert() ? 1 : 0);
    }

    /** Device bytes of one set (the RoPE tables included). */
    static long bytes(ModelConfig c, int rows, int ctx) {
        int K = Math.max(1, c.expertsPerToken());
        long perRow = 2L * c.hidden() + 2L * c.qDim() + (long) c.heads() * ctx + ffnWidth(c) + Math.max(1, routerRows(c)) + 2L * K + 1;
        return 4L * rows * perRow + 4L * ((long) ctx * c.headDim() + 2);
    }
}
