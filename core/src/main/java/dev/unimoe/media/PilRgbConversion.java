package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns an ImageIO {@link BufferedImage} into 8-bit RGB with the values PIL's
 * {@code Image.open(f).convert("RGB")} gives. Reads raw raster samples: going through
 * {@code getRGB} would colour-manage (ImageIO's grey is linear, so L → sRGB changes the values,
 * and embedded ICC profiles would be applied); PIL does neither.
 * <ul>
 * <li>palette: RGB lookup, the palette's alpha ignored;</li>
 * <li>grey: R = G = B; alpha channels are dropped, never composited;</li>
 * <li>fewer than 8 bits: {@code v·255/(2^bits−1)}, truncated (PIL's L;2, L;4, "1" and 5/6/5 unpackers);</li>
 * <li>16-bit grey without alpha: PIL opens it as mode I;16, whose RGB conversion clips to 255
 *     (it does not scale); 16-bit RGB, RGBA and grey+alpha: PIL keeps the high byte.</li>
 * </ul>
 */
final class PilRgbConversion {
    private PilRgbConversion() {}

    static RgbImage toRgb(BufferedImage img, String file) {
        int w = img.getWidth(), h = img.getHeight();
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w];
        if (cm instanceof IndexColorModel icm) {
            int n = icm.getMapSize();
            byte[] red = new byte[n], green = new byte[n], blue = new byte[n];
            icm.getReds(red);
            icm.getGreens(green);
            icm.getBlues(blue);
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int i = row[x] < n ? row[x] : 0; // out-of-palette index: PIL's palette is zero-filled
                    out[o] = red[i];
                    out[o + 1] = green[i];
                    out[o + 2] = blue[i];
                }
            }
            return new RgbImage(w, h, out);
        }
        int type = r.getDataBuffer().getDataType();
        if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
            throw new FormatException(file, "sample format", "integer samples, found floating point");
        }
        int colourBands = cm.getNumColorComponents();
        int csType = cm.getColorSpace().getType();
        boolean grey = colourBands == 1;
        if (!grey && !(colourBands == 3 && csType == ColorSpace.TYPE_RGB)) {
            throw new FormatException(file, "colour model", "grey, RGB or palette pixels, found "
                    + colourBands + " colour components (" + describe(csType) + ")");
        }
        for (int band = 0; band < 3; band++) {
            int src = grey ? 0 : band;
            int bits = r.getSampleModel().getSampleSize(src);
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, src, row);
                for (int x = 0, o = y * w * 3 + band; x < w; x++, o += 3) {
                    out[o] = (byte) to8(row[x], bits, grey && !cm.hasAlpha());
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int to8(int v, int bits, boolean greyOnly) {
        if (bits == 8) return v;
        if (bits < 8) return v * 255 / ((1 << bits) - 1);
        if (bits == 16) return greyOnly ? Math.min(v, 255) : v >>> 8;
        return v >>> (bits - 8);
    }

    private static String describe(int csType) {
        return switch (csType) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_GRAY -> "grey";
            case ColorSpace.TYPE_RGB -> "RGB";
            default -> "colour space type " + csType;
        };
    }
}
