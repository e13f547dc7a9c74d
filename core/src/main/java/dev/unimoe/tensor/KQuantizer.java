package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Float32 to Q4_K, Q5_K and Q6_K by the search of ggml's reference quantizers
 * ({@code quantize_row_q{4,5,6}_K_ref}, which llama-quantize uses when no importance matrix is
 * given): per 32-value sub-block a weighted least-squares scale and min over 21 (Q4_K) or 16
 * (Q5_K) candidate grids, per 16 values (Q6_K) a signed scale over 19 candidates, then the
 * scales themselves quantized to 6 or 8 bits and every value re-rounded against the stored
 * scales. Same float operations in the same order, no fused multiply-adds: the bytes equal
 * ggml's (checked against blocks made by ggml's C code).
 */
final class KQuantizer {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizer() {}

    /** Round half to even through the float adder, as ggml's {@code nearest_int} (|v| &lt; 2^22). */
    static int nearestInt(float v) {
        int i = Float.floatToRawIntBits(v + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }

    static void q4K(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        qK(x, off, n, dst, dstOff, 15, -1f, 20, Q4_KTensor.BYTES);
    }

    static void q5K(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        qK(x, off, n, dst, dstOff, 31, -0.5f, 15, Q5_KTensor.BYTES);
    }

    /** Q4_K (nmax 15) and Q5_K (nmax 31): the same scale/min search and packing, Q5_K adding a bit plane. */
    private static void qK(float[] x, int off, int n, MemorySegment dst, long dstOff, int nmax, float rmin, int nstep, int bytes) {
        if (n % 256 != 0) throw new IllegalArgumentException((nmax == 15 ? "Q4_K" : "Q5_K") + " needs a multiple of 256 values, got " + n);
        int[] L = new int[256], aux = new int[32];
        float[] w = new float[32], scales = new float[8], mins = new float[8], theMin = new float[1];
        byte[] sc = new byte[12];
        byte[] sm = new byte[16];
        for (int b = 0; b < n / 256; b++) {
            int xb = off + 256 * b;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++) {
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += x[xb + 32 * j + l] * x[xb + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xb + 32 * j + l]);
                scales[j] = scaleAndMin(32, nmax, x, xb + 32 * j, w, L, 32 * j, theMin, aux, rmin, 0.1f, nstep);
                mins[j] = theMin[0];
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f, invMin = maxMin > 0 ? 63f / maxMin : 0f;
            java.util.Arrays.fill(sc, (byte) 0);
            for (int j = 0; j < 8; j++) {
                int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF), lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
                if (j < 4) {
                    sc[j] = (byte) ls;
                    sc[j + 4] = (byte) lm;
                } else {
                    sc[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                    sc[j - 4] |= (byte) ((ls >> 4) << 6);
                    sc[j] |= (byte) ((lm >> 4) << 6);
                }
            }
            short dBits = Float.floatToFloat16(maxScale / 63f), mBits = Float.floatToFloat16(maxMin / 63f);
            long o = dstOff + (long) bytes * b;
            dst.set(LE16, o, dBits);
            dst.set(LE16, o + 2, mBits);
            MemorySegment.copy(MemorySegment.ofArray(sc), 0, dst, o + 4, 12);
            Q4_KTensor.scaleBytes(sc, 0, sm);
            for (int j = 0; j < 8; j++) {
                float d = Float.float16ToFloat(dBits) * sm[j];
                if (d == 0f) continue;
                float dm = Float.float16ToFloat(mBits) * sm[8 + j];
                for (int i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt((x[xb + 32 * j + i] + dm) / d)));
            }
            if (nmax == 15) {
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) dst.set(ValueLayout.JAVA_BYTE, o + 16 + 32L * c + l, (byte) (L[64 * c + l] | (L[64 * c + l + 32] << 4)));
                }
            } else {
                byte[] qh = new byte[32];
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        int l1 = L[64 * c + l], l2 = L[64 * c + l + 32];
                        if (l1 > 15) { l1 -= 16; qh[l] |= (byte) (1 << 2 * c); }
                        if (l2 > 15) { l2 -= 16; qh[l] |= (byte) (2 << 2 * c); }
                        dst.set(ValueLayout.JAVA_BYTE, o + 48 + 32L * c + l, (byte) (l1 | (l2 << 4)));
                    }
                }
                MemorySegment.copy(MemorySegment.ofArray(qh), 0, dst, o + 16, 32);
            }
        }
    }

    /**
     * ggml's {@code make_qkx2_quants}: levels L[lOff..] in [0, nmax] and the returned scale with
     * {@code theMin[0]} (stored negated, so ≥ 0) minimising Σ w·(scale·L + min − x)² over nstep+1
     * grids around nmax/(max − min).
     */
    private static float scaleAndMin(int n, int nmax, float[] x, int xo, float[] w, int[] L, int lOff, float[] theMin, int[] aux,
                                     float rmin, float rdelta, int nstep) {
        float min = x[xo], max = x[xo], sumW = w[0], sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            sumW += w[i];
            sumX += w[i] * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lOff + i] = 0;
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min), scale = 1 / iscale, bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            L[lOff + i] = l;
            float diff = scale * l + min - x[xo + i];
            bestError += w[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D, thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    err += w[i] * (diff * diff);
                }
                if (err < bestError) {
                    System.arraycopy(aux, 0, L, lOff, n);
                    bestError = err;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    static void q6K(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        if (n % 256 != 0) throw new IllegalArgumentException("Q6_K needs a multiple of 256 values, got " + n);
        int[] L = new int[256];
        float[] scales = new float[16];
        for (int b = 0; b < n / 256; b++) {
            int xb = off + 256 * b;
            long o = dstOff + (long) Q6_KTensor.BYTES * b;
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float s = signedScale(16, 32, x, xb + 16 * ib, L, 16 * ib);
                scales[ib] = s;
                if (Math.abs(s) > maxAbsScale) {
                    maxAbsScale = Math.abs(s);
                    maxScale = s;
                }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                dst.asSlice(o, Q6_KTensor.BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            short dBits = Float.floatToFloat16(1 / iscale);
            byte[] sc = new byte[16];
            for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
            for (int j = 0; j < 16; j++) {
                float d = Float.float16ToFloat(dBits) * sc[j];
                if (d == 0f) continue;
                for (int i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(x[xb + 16 * j + i] / d))) + 32;
            }
            for (int h = 0; h < 2; h++) {
                int j = 128 * h;
                for (int l = 0; l < 32; l++) {
                    int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                    dst.set(ValueLayout.JAVA_BYTE, o + 64L * h + l, (byte) (q1 | (q3 << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, o + 64L * h + l + 32, (byte) (q2 | (q4 << 4)));
                    int hb = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
                    dst.set(ValueLayout.JAVA_BYTE, o + 128 + 32L * h + l, (byte) hb);
                }
            }
            MemorySegment.copy(MemorySegment.ofArray(sc), 0, dst, o + 192, 16);
            dst.set(LE16, o + 208, dBits);
        }
    }

    /**
     * ggml's {@code make_qx_quants} with rmse_type 1 (weights x²) and no importance: levels
     * L[lOff..] = l + nmax for l in [−nmax, nmax − 1] and the scale of the best of 19 grids.
     */
    private static float signedScale(int n, int nmax, float[] x, int xo, int[] L, int lOff) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lOff + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max, sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            L[lOff + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumLX += w * x[xo + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f, best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumLX += w * x[xo + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) L[lOff + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
