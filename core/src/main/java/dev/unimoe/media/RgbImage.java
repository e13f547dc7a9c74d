package dev.unimoe.media;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, three bytes
 * (R, G, B) per pixel, rows top to bottom, no padding. Bytes are unsigned; read them with
 * {@code & 0xFF}. The array is shared, not copied (images are large and passed along once).
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, a " + width + "x" + height
                    + " RGB image needs " + (long) width * height * 3);
        }
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel ({@code x}, {@code y}), 0…255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** The {@code w}×{@code h} window whose top-left corner is ({@code left}, {@code top}); it must lie inside. */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + left + ", " + top
                    + ") does not fit in " + width + "x" + height);
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rgb, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
