package dev.unimoe.tornado;

import dev.unimoe.model.ModelConfig;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The activation buffers of one device's run of layer graphs: the hidden state, scratch for
 * attention and the FFN, routing results and the RoPE tables. TornadoVM 5.2 passes a persisted
 * buffer only to graphs on the same device, so each device of a split gets its own set and the
 * hidden state crosses between devices through the host.
 */
final class DeviceActivations {
    final FloatArray x, xb, q, k, v, att, scores, hb, moe, rlog, probs, wts, one, sg, sgw, cos, sin;
    final IntArray ids, zeroIds, pos;

    DeviceActivations(ModelConfig c, int ctx, float[] cosTable, float[] sinTable) {
        int H = c.hidden(), E = Math.max(1, c.experts()), K = Math.max(1, c.expertsPerToken());
        int F = Math.max(c.ffn(), Math.max(K * c.expertFfn(), c.sharedExpertFfn()));
        x = new FloatArray(H);
        xb = new FloatArray(H);
        q = new FloatArray(c.qDim());
        k = new FloatArray(c.kvDim());
        v = new FloatArray(c.kvDim());
        att = new FloatArray(c.qDim());
        scores = new FloatArray(c.heads() * ctx);
        hb = new FloatArray(Math.max(1, F));
        moe = new FloatArray(H);
        rlog = new FloatArray(E);
        probs = new FloatArray(E);
        wts = new FloatArray(K);
        ids = new IntArray(K);
        zeroIds = new IntArray(1);
        one = FloatArray.fromElements(1f);
        sg = new FloatArray(1);
        sgw = new FloatArray(1);
        pos = new IntArray(1);
        cos = FloatArray.fromArray(cosTable);
        sin = FloatArray.fromArray(sinTable);
    }

    /** Buffers written once and only read by the kernels. */
    boolean isConstant(Object o) {
        return o == cos || o == sin || o == one || o == zeroIds;
    }
}
