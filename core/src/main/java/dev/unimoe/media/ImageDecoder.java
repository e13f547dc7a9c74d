package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decodes PNG, JPEG, BMP, TIFF and GIF (first frame, by {@link GifDecoder}) files to 8-bit RGB with the pixel values of
 * PIL's {@code Image.open(f).convert("RGB")} (see {@link PilRgbConversion}), using the JDK's
 * {@code javax.imageio}. The size in the header is checked against {@link ImageLimits} before any
 * pixel is decoded. Every failure is a {@link FormatException} naming the file.
 * <p>
 * JPEG: the JDK's bundled IJG libjpeg 6b (ISLOW IDCT, fancy upsampling) gives the same bytes as
 * libjpeg-turbo, Pillow's decoder: checked on the fixture (turbo 3.1.3, 4:4:4) and on 4:4:4,
 * 4:2:2, 4:2:0, progressive, odd-sized and greyscale files against Pillow 9.4 / turbo 2.1.5.
 * CMYK/YCCK JPEGs are refused.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif", "tif");

    public static RgbImage decode(Path file) {
        return decode(file, ImageLimits.DEFAULT);
    }

    public static RgbImage decode(Path file, ImageLimits limits) {
        String name = file.toString();
        try (ImageInputStream in = open(file)) {
            ImageReader reader = readerFor(in, name);
            try {
                String format = formatOf(reader);
                if (format.equals("gif")) return GifDecoder.open(file, limits).frames(new int[] {0}).getFirst();
                reader.setInput(in, true, true);
                int w, h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw new FormatException(name, "header", "a readable " + format.toUpperCase(Locale.ROOT)
                            + " header (" + reason(e) + ")");
                }
                limits.check(name, "image size", w, h);
                return PilRgbConversion.toRgb(readChecked(reader, 0, name, format), name);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new FormatException(name, "file", "a readable file (" + reason(e) + ")");
        }
    }

    static ImageInputStream open(Path file) {
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new FormatException(name, "file", "an existing image file, found " + (Files.exists(file) ? "a directory or special file" : "nothing"));
        }
        try {
            ImageInputStream in = ImageIO.createImageInputStream(file.toFile());
            if (in == null) throw new FormatException(name, "file", "a readable file");
            return in;
        } catch (IOException e) {
            throw new FormatException(name, "file", "a readable file (" + reason(e) + ")");
        }
    }

    /** The reader whose signature matches the file's first bytes; never trusts the file name. */
    static ImageReader readerFor(ImageInputStream in, String name) {
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        while (it.hasNext()) {
            ImageReader r = it.next();
            if (FORMATS.contains(formatOf(r))) return r;
        }
        throw new FormatException(name, "format", "a PNG, JPEG, BMP, GIF or TIFF image; the first bytes match none of them");
    }

    static String formatOf(ImageReader r) {
        try {
            String f = r.getFormatName().toLowerCase(Locale.ROOT);
            return f.equals("jpg") ? "jpeg" : f.equals("tiff") ? "tif" : f;
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Reads image {@code index}. libjpeg reports a truncated JPEG only as a warning ("premature end
     * of data segment") and fills the rest with grey, where PIL raises "image file is truncated";
     * such warnings become errors. Other warnings (extraneous bytes, a missing EOI marker after
     * complete data) are ignored, as PIL ignores them.
     */
    static BufferedImage readChecked(ImageReader reader, int index, String name, String format) {
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((src, warning) -> {
            if (isTruncation(warning)) warnings.add(warning);
        });
        BufferedImage img;
        try {
            img = reader.read(index);
        } catch (IIOException e) {
            throw new FormatException(name, "image data", "complete, well-formed " + format.toUpperCase(Locale.ROOT)
                    + " data (decoder: " + reason(e) + ")");
        } catch (IOException | RuntimeException e) {
            throw new FormatException(name, "image data", "complete, well-formed " + format.toUpperCase(Locale.ROOT)
                    + " data (" + reason(e) + ")");
        } finally {
            reader.removeAllIIOReadWarningListeners();
        }
        if (!warnings.isEmpty()) {
            throw new FormatException(name, "image data", "complete, well-formed " + format.toUpperCase(Locale.ROOT)
                    + " data (decoder warning: " + String.join("; ", warnings) + ")");
        }
        return img;
    }

    static boolean isTruncation(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end") || (w.contains("truncat") && !w.contains("missing eoi"));
    }

    /** The exception's message plus its causes', e.g. "Error reading PNG image data: EOFException". */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (!sb.isEmpty()) sb.append(": ");
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        }
        return sb.toString();
    }
}
