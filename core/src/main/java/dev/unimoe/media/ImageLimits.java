package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

/**
 * Largest image the decoders accept. Checked against the size in the file header before any pixel
 * is decoded, so a small file claiming a huge size (a "decompression bomb") costs nothing.
 */
public record ImageLimits(int maxSide, long maxPixels) {

    /** 16384 px per side and 100 Mpixel (300 MB as RGB); far above what a vision tower needs. */
    public static final ImageLimits DEFAULT = new ImageLimits(16384, 100_000_000L);

    public ImageLimits {
        if (maxSide <= 0 || maxPixels <= 0) throw new IllegalArgumentException("limits must be positive");
    }

    /** Throws if a {@code width}×{@code height} image declared in {@code file} is empty or too large. */
    public void check(String file, String field, long width, long height) {
        if (width <= 0 || height <= 0) {
            throw new FormatException(file, field, "a positive width and height, found " + width + "x" + height);
        }
        if (width > maxSide || height > maxSide || width * height > maxPixels) {
            throw new FormatException(file, field, "at most " + maxSide + " pixels per side and " + maxPixels
                    + " pixels in all, found " + width + "x" + height + " (refused before decoding)");
        }
    }
}
