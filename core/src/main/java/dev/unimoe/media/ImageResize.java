package dev.unimoe.media;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, bit for bit: a re-implementation
 * of {@code ImagingResample} in Pillow's {@code src/libImaging/Resample.c} (Pillow 7 … 13).
 * <p>
 * Separable: one horizontal pass (only when the width changes) over just the source rows the
 * vertical pass will read, then one vertical pass (only when the height changes). Each output
 * sample is a weighted sum of input samples with the a = −0.5 cubic kernel; when shrinking, the
 * kernel is stretched by the reduction factor (antialiasing), so support = 2·max(in/out, 1).
 * Weights are normalised to sum 1 in double, then turned into 22-bit fixed point
 * ({@code PRECISION_BITS} = 32 − 8 − 2), and every pass rounds and clips its result to 0…255.
 */
public final class ImageResize {
    private ImageResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    /** Resizes {@code in} to {@code newW}×{@code newH} as Pillow's BICUBIC resize does (no reducing_gap). */
    public static RgbImage bicubic(RgbImage in, int newW, int newH) {
        if (newW <= 0 || newH <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + newW + "x" + newH);
        }
        if (newW == in.width() && newH == in.height()) {
            return new RgbImage(newW, newH, in.rgb().clone()); // Pillow returns a copy
        }
        Coefficients vert = Coefficients.of(in.height(), newH);
        RgbImage src = in;
        int rowOffset = 0;
        if (newW != in.width()) {
            // Only the source rows the vertical pass reads: [first, last).
            int first = vert.min[0];
            int last = vert.min[newH - 1] + vert.weights[newH - 1].length;
            src = horizontal(in, Coefficients.of(in.width(), newW), first, last - first);
            rowOffset = first;
        }
        if (newH == in.height()) return src;
        return vertical(src, vert, rowOffset);
    }

    /** Per output index: first input index and fixed-point weights, one per input (Pillow's precompute_coeffs). */
    private record Coefficients(int[] min, int[][] weights) {

        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            double invFilterScale = 1.0 / filterScale;
            int[] min = new int[outSize];
            int[][] weights = new int[outSize][];
            double[] k = new double[(int) Math.ceil(support) * 2 + 1];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                // (int) truncates toward zero like C; Pillow relies on that for its "rounding".
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = cubic((x + xmin - center + 0.5) * invFilterScale);
                    k[x] = w;
                    ww += w;
                }
                int[] fixed = new int[Math.max(xmax, 0)];
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? k[x] / ww : k[x];
                    // Round half away from zero, then truncate: Pillow's normalize_coeffs_8bpc.
                    fixed[x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                min[xx] = xmin;
                weights[xx] = fixed;
            }
            return new Coefficients(min, weights);
        }
    }

    /** Pillow's bicubic_filter, a = −0.5, evaluated in the same operation order. */
    private static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static RgbImage horizontal(RgbImage in, Coefficients c, int firstRow, int rows) {
        int outW = c.min.length, inW = in.width();
        byte[] src = in.rgb();
        byte[] out = new byte[outW * rows * 3];
        for (int y = 0; y < rows; y++) {
            int rowIn = (y + firstRow) * inW * 3;
            int rowOut = y * outW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int[] k = c.weights[xx];
                int p = rowIn + c.min[xx] * 3;
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int x = 0; x < k.length; x++, p += 3) {
                    s0 += (src[p] & 0xFF) * k[x];
                    s1 += (src[p + 1] & 0xFF) * k[x];
                    s2 += (src[p + 2] & 0xFF) * k[x];
                }
                int o = rowOut + xx * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return new RgbImage(outW, rows, out);
    }

    private static RgbImage vertical(RgbImage in, Coefficients c, int rowOffset) {
        int outH = c.min.length, w = in.width();
        byte[] src = in.rgb();
        byte[] out = new byte[w * outH * 3];
        int stride = w * 3;
        for (int yy = 0; yy < outH; yy++) {
            int[] k = c.weights[yy];
            int base = (c.min[yy] - rowOffset) * stride;
            int rowOut = yy * stride;
            for (int i = 0; i < stride; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                for (int y = 0, p = base + i; y < k.length; y++, p += stride) {
                    s += (src[p] & 0xFF) * k[y];
                }
                out[rowOut + i] = clip8(s);
            }
        }
        return new RgbImage(w, outH, out);
    }

    /** Pillow's clip8: arithmetic shift (floor), then clamp to 0…255. */
    private static byte clip8(int s) {
        int v = s >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
