package dev.unimoe.media;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.JsonFields;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * HF's slow (PIL) {@code CLIPImageProcessor.preprocess}, as Uni-MoE calls it on
 * {@code Image.open(f).convert("RGB")}: resize (Pillow bicubic) so the shortest edge is
 * {@code size.shortest_edge} with the long edge {@code int(edge·long/short)}, center crop (zero
 * padding if the image is smaller, as transformers does), {@code float32(uint8·rescale_factor)}
 * with the product in double, then {@code (x − mean)/std} in float32. Reproduces the reference
 * {@code pixel_values} bit for bit.
 *
 * @param shortestEdge target of the shortest side, or 0 when {@code size} gives an exact height/width
 * @param resizeHeight exact target height when {@code shortestEdge} is 0
 * @param resizeWidth  exact target width when {@code shortestEdge} is 0
 */
public record ClipImageProcessor(boolean doResize, int shortestEdge, int resizeHeight, int resizeWidth,
                                 boolean doCenterCrop, int cropHeight, int cropWidth,
                                 boolean doRescale, double rescaleFactor,
                                 boolean doNormalize, float[] mean, float[] std) {

    /** PIL's resample code for BICUBIC, the only one implemented. */
    public static final int PIL_BICUBIC = 3;

    public ClipImageProcessor {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values");
    }

    /** Reads a {@code preprocessor_config.json}; missing keys take CLIPImageProcessor's defaults. */
    public static ClipImageProcessor load(Path configJson) {
        return fromJson(JsonFields.read(configJson));
    }

    public static ClipImageProcessor fromJson(JsonFields c) {
        String src = c.source();
        int resample = c.getInt("resample", PIL_BICUBIC);
        if (resample != PIL_BICUBIC) {
            throw new FormatException(src, "resample", PIL_BICUBIC + " (PIL bicubic, the only resampling implemented), found " + resample);
        }
        int shortest = 224, rh = 0, rw = 0;
        if (c.has("size")) {
            Object size = c.map().get("size");
            if (size instanceof BigDecimal) {
                shortest = positive(c, "size"); // old configs: an int means the shortest edge
            } else {
                JsonFields s = c.getObject("size");
                if (s.has("shortest_edge")) {
                    shortest = positive(s, "shortest_edge");
                } else if (s.has("height") && s.has("width")) {
                    shortest = 0;
                    rh = positive(s, "height");
                    rw = positive(s, "width");
                } else {
                    throw new FormatException(src, "size", "{\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
                }
            }
        }
        int ch = 224, cw = 224;
        if (c.has("crop_size")) {
            if (c.map().get("crop_size") instanceof BigDecimal) {
                ch = cw = positive(c, "crop_size");
            } else {
                JsonFields s = c.getObject("crop_size");
                ch = positive(s, "height");
                cw = positive(s, "width");
            }
        }
        double rescale = c.getDouble("rescale_factor", 1.0 / 255);
        float[] mean = triple(c, "image_mean", new double[] {0.48145466, 0.4578275, 0.40821073});
        float[] std = triple(c, "image_std", new double[] {0.26862954, 0.26130258, 0.27577711});
        for (float s : std) if (!(s != 0f)) throw new FormatException(src, "image_std", "non-zero values");
        // do_convert_rgb needs no step: ImageDecoder always yields RGB.
        return new ClipImageProcessor(c.getBool("do_resize", true), shortest, rh, rw,
                c.getBool("do_center_crop", true), ch, cw, c.getBool("do_rescale", true), rescale,
                c.getBool("do_normalize", true), mean, std);
    }

    /** {@code pixel_values[0]} for one RGB image: float32 {@code [3, H, W]}. */
    public PixelValues preprocess(RgbImage image) {
        RgbImage img = image;
        if (doResize) {
            int h = resizeHeight, w = resizeWidth;
            if (shortestEdge > 0) {
                int[] hw = shortestEdgeSize(img.height(), img.width(), shortestEdge);
                h = hw[0];
                w = hw[1];
            }
            img = ImageResize.bicubic(img, w, h);
        }
        if (doCenterCrop) img = centerCrop(img, cropHeight, cropWidth);
        int h = img.height(), w = img.width(), plane = h * w;
        float[] lut = new float[256 * 3]; // the result depends only on the byte and the channel
        for (int ch = 0; ch < 3; ch++) {
            for (int v = 0; v < 256; v++) {
                float x = doRescale ? (float) (v * rescaleFactor) : (float) v;
                lut[ch * 256 + v] = doNormalize ? (x - mean[ch]) / std[ch] : x;
            }
        }
        byte[] rgb = img.rgb();
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            out[i] = lut[rgb[3 * i] & 0xFF];
            out[plane + i] = lut[256 + (rgb[3 * i + 1] & 0xFF)];
            out[2 * plane + i] = lut[512 + (rgb[3 * i + 2] & 0xFF)];
        }
        return new PixelValues(h, w, out);
    }

    /**
     * transformers' {@code get_resize_output_image_size(default_to_square=False)}: the short side
     * becomes {@code edge}, the long side {@code int(edge·long/short)} (true division, truncated).
     * Returns {height, width}.
     */
    static int[] shortestEdgeSize(int height, int width, int edge) {
        boolean portrait = width <= height;
        int shortSide = portrait ? width : height, longSide = portrait ? height : width;
        int newLong = (int) ((double) ((long) edge * longSide) / shortSide);
        return portrait ? new int[] {newLong, edge} : new int[] {edge, newLong};
    }

    /**
     * transformers' {@code center_crop}: offsets {@code (size − crop) // 2} (floor); an image smaller
     * than the crop is first centred on a zero canvas (padding {@code ceil(diff/2)} before).
     */
    static RgbImage centerCrop(RgbImage img, int cropH, int cropW) {
        int h = img.height(), w = img.width();
        int top = Math.floorDiv(h - cropH, 2), left = Math.floorDiv(w - cropW, 2);
        if (top >= 0 && left >= 0) return img.crop(left, top, cropW, cropH);
        int newH = Math.max(cropH, h), newW = Math.max(cropW, w);
        int padTop = (newH - h + 1) / 2, padLeft = (newW - w + 1) / 2;
        byte[] canvas = new byte[newH * newW * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.rgb(), y * w * 3, canvas, ((y + padTop) * newW + padLeft) * 3, w * 3);
        }
        top += padTop;
        left += padLeft;
        int y0 = Math.max(0, top), x0 = Math.max(0, left);
        int y1 = Math.min(newH, top + cropH), x1 = Math.min(newW, left + cropW);
        return new RgbImage(newW, newH, canvas).crop(x0, y0, x1 - x0, y1 - y0);
    }

    private static int positive(JsonFields f, String key) {
        int v = f.getInt(key);
        if (v <= 0) throw new FormatException(f.source(), key, "a positive integer, found " + v);
        return v;
    }

    private static float[] triple(JsonFields c, String key, double[] dflt) {
        double[] d = dflt;
        if (c.has(key)) {
            List<Object> l = c.getList(key);
            if (l.size() != 3 || !l.stream().allMatch(o -> o instanceof BigDecimal)) {
                throw new FormatException(c.source(), key, "3 numbers (R, G, B), found " + l);
            }
            d = l.stream().mapToDouble(o -> ((BigDecimal) o).doubleValue()).toArray();
        }
        // numpy: np.array(mean, dtype=float32), then float32 arithmetic
        return new float[] {(float) d[0], (float) d[1], (float) d[2]};
    }

    /** A config with every key at CLIPImageProcessor's default (224, OpenAI CLIP mean/std). */
    public static ClipImageProcessor defaults() {
        return fromJson(new JsonFields(Map.of(), "(CLIPImageProcessor defaults)"));
    }
}
