package dev.unimoe.media;

/**
 * A preprocessed image: float32 {@code [3, height, width]}, channel-first (all R rows, then G,
 * then B), the layout of HF's {@code pixel_values[0]} and of a CLIP patch-embedding conv input.
 */
public record PixelValues(int height, int width, float[] values) {

    public PixelValues {
        if (values.length != 3L * height * width) {
            throw new IllegalArgumentException("values holds " + values.length + " floats, [3, " + height + ", "
                    + width + "] needs " + 3L * height * width);
        }
    }

    /** Value of channel {@code c} at row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return values[(c * height + y) * width + x];
    }
}
