package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Decode attention of one new row at position pos[0] over the float32 KV cache [ctx, kvDim]:
 * one work-group per query head; scores in a global scratch [heads, ctx]; max-subtracted softmax
 * and the weighted sum of V in position order, as the CPU {@code Attention} does.
 */
public final class AttentionKernels {
    public static final int LOCAL = MatVecKernels.LOCAL;

    private AttentionKernels() {}

    public static void attention(KernelContext c, FloatArray q, FloatArray kc, FloatArray vc, FloatArray scores, FloatArray out,
                                 IntArray pos, int heads, int kvHeads, int hd, int ctx, float scale) {
        int h = c.groupIdx, lid = c.localIdx, lsz = c.localGroupSizeX;
        float[] p = c.allocateFloatLocalArray(LOCAL);
        int len = pos.get(0) + 1;
        int kvd = kvHeads * hd, group = heads / kvHeads;
        int ko = (h / group) * hd, qo = h * hd, so = h * ctx;
        float m = -3.0e38f;
        for (int j = lid; j < len; j += lsz) {
            float d = 0f;
            int kb = j * kvd + ko;
            for (int i = 0; i < hd; i++) d += q.get(qo + i) * kc.get(kb + i);
            float s = d * scale;
            scores.set(so + j, s);
            m = TornadoMath.max(m, s);
        }
        p[lid] = m;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] = TornadoMath.max(p[lid], p[lid + st]);
        }
        c.localBarrier();
        float mx = p[0];
        c.localBarrier();
        float sum = 0f;
        for (int j = lid; j < len; j += lsz) {
            float e = TornadoMath.exp(scores.get(so + j) - mx);
            scores.set(so + j, e);
            sum += e;
        }
        p[lid] = sum;
        for (int st = lsz / 2; st > 0; st /= 2) {
            c.localBarrier();
            if (lid < st) p[lid] += p[lid + st];
        }
        c.localBarrier();       // p[0] (the sum) for every work-item: a global fence alone does not order local memory
        c.globalBarrier();      // this group's score writes before the reads below
        float inv = 1.0f / p[0];
        for (int d = lid; d < hd; d += lsz) {
            float acc = 0f;
            for (int j = 0; j < len; j++) acc += (scores.get(so + j) * inv) * vc.get(j * kvd + ko + d);
            out.set(qo + d, acc);
        }
    }
}
