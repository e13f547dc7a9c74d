package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GIF decoder and frame compositor with the values of Pillow's {@code GifImagePlugin} followed by
 * {@code convert("RGB")}. Own code rather than ImageIO because the JDK's GIF reader loses rows of
 * interlaced frames less than 5 rows tall, and its metadata hides what compositing needs.
 * <p>
 * Compositing, as Pillow does it: the canvas is the logical screen (grown to cover frame 0),
 * first filled with the palette colour of frame 0's transparent index (index 0 without one);
 * frame 0 is drawn whole, transparent pixels included (PIL's P image keeps their palette colour);
 * later frames leave transparent pixels unchanged. Before each frame the previous one is
 * disposed of: 2 fills its rectangle with the palette colour of its transparent index, else of
 * the background index; 3 restores the rectangle as it was before that frame; 0 and 1 keep it.
 * A disposal method stays in force until a frame sets another non-zero one (Pillow's rule).
 * Frames reaching past the canvas are clipped (Pillow grows the image instead). Checked frame by
 * frame against Pillow 9.4 on animations with every disposal method and transparency.
 */
final class GifDecoder {
    private final byte[] d;
    private final String name;
    private final ImageLimits limits;
    private int p;

    private final int screenW, screenH, background;
    private final int[] globalPalette;

    private GifDecoder(byte[] data, String name, ImageLimits limits) {
        this.d = data;
        this.name = name;
        this.limits = limits;
        String sig = data.length >= 6 ? new String(data, 0, 6, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        if (!sig.equals("GIF87a") && !sig.equals("GIF89a")) {
            throw new FormatException(name, "GIF signature", "\"GIF87a\" or \"GIF89a\"");
        }
        p = 6;
        need(7, "logical screen descriptor");
        screenW = u16(p);
        screenH = u16(p + 2);
        int flags = d[p + 4] & 0xFF;
        background = d[p + 5] & 0xFF;
        p += 7;
        globalPalette = (flags & 0x80) != 0 ? palette(2 << (flags & 7), "global colour table") : null;
        if (screenW > 0 && screenH > 0) limits.check(name, "GIF logical screen size", screenW, screenH);
    }

    static GifDecoder open(Path file, ImageLimits limits) {
        try {
            return new GifDecoder(Files.readAllBytes(file), file.toString(), limits);
        } catch (IOException e) {
            throw new FormatException(file.toString(), "file", "a readable file (" + ImageDecoder.reason(e) + ")");
        }
    }

    /** One frame's image descriptor and control data; {@code indices} is null when only counted. */
    private record Frame(int left, int top, int width, int height, int[] palette, int transparent,
                         int disposal, byte[] indices) {}

    /** Number of frames, found by walking the blocks without decompressing. */
    int count() {
        int save = p, n = 0;
        while (next(false) != null) n++;
        p = save;
        return n;
    }

    /**
     * Composites frames 0 … max(wanted) and returns the canvas after each frame listed in
     * {@code wanted} (ascending, repeats allowed).
     */
    List<RgbImage> frames(int[] wanted) {
        List<RgbImage> out = new ArrayList<>(wanted.length);
        int last = wanted.length == 0 ? -1 : wanted[wanted.length - 1];
        int[] canvas = null, saved = null;
        int cw = 0, ch = 0, disposal = 0, next = 0;
        Frame prev = null;
        for (int i = 0; i <= last; i++) {
            Frame f = next(true);
            if (f == null) {
                if (i == 0) throw new FormatException(name, "GIF frames", "at least one image, found none");
                throw new FormatException(name, "GIF frame " + i, "frame " + i + " to exist (the file has " + i + ")");
            }
            if (i == 0) {
                cw = Math.max(screenW, f.left + f.width);
                ch = Math.max(screenH, f.top + f.height);
                limits.check(name, "GIF canvas size", cw, ch);
                canvas = new int[cw * ch];
                Arrays.fill(canvas, colour(f.palette, f.transparent >= 0 ? f.transparent : 0));
            } else if (prev != null) {
                if (disposal == 2) {
                    fill(canvas, cw, ch, prev, colour(prev.palette, prev.transparent >= 0 ? prev.transparent : background));
                } else if (disposal == 3 && saved != null) {
                    System.arraycopy(saved, 0, canvas, 0, canvas.length);
                }
            }
            if (f.disposal != 0) disposal = f.disposal;
            saved = disposal == 3 ? canvas.clone() : null;
            draw(canvas, cw, ch, f, i == 0);
            while (next < wanted.length && wanted[next] == i) {
                out.add(toRgb(canvas, cw, ch));
                next++;
            }
            prev = f;
        }
        return out;
    }

    /** Reads blocks up to and including the next image; null at the trailer or end of data. */
    private Frame next(boolean decode) {
        int transparent = -1, disposal = 0;
        while (p < d.length) {
            int b = d[p++] & 0xFF;
            switch (b) {
                case 0x3B -> { return null; }
                case 0x21 -> {
                    need(1, "extension label");
                    int label = d[p++] & 0xFF;
                    if (label == 0xF9 && p < d.length && (d[p] & 0xFF) >= 4) { // graphic control extension
                        need(5, "graphic control extension");
                        int flags = d[p + 1] & 0xFF;
                        disposal = (flags >> 2) & 7;
                        transparent = (flags & 1) != 0 ? d[p + 4] & 0xFF : -1;
                    }
                    skipSubBlocks();
                }
                case 0x2C -> {
                    return image(transparent, disposal, decode);
                }
                // Junk after the last frame is common; Pillow stops there too.
                default -> { return null; }
            }
        }
        return null;
    }

    private Frame image(int transparent, int disposal, boolean decode) {
        need(9, "image descriptor");
        int left = u16(p), top = u16(p + 2), w = u16(p + 4), h = u16(p + 6), flags = d[p + 8] & 0xFF;
        p += 9;
        int[] pal = (flags & 0x80) != 0 ? palette(2 << (flags & 7), "local colour table") : globalPalette;
        need(1, "LZW minimum code size");
        int minCodeSize = d[p++] & 0xFF;
        if (!decode) {
            skipSubBlocks();
            return new Frame(left, top, w, h, pal, transparent, disposal, null);
        }
        limits.check(name, "GIF frame size", w, h);
        byte[] stream = subBlocks();
        byte[] pixels = Lzw.decode(stream, minCodeSize, w * h, name);
        if ((flags & 0x40) != 0) pixels = deinterlace(pixels, w, h);
        return new Frame(left, top, w, h, pal, transparent, disposal, pixels);
    }

    private static byte[] deinterlace(byte[] src, int w, int h) {
        byte[] out = new byte[src.length];
        int row = 0;
        int[][] passes = {{0, 8}, {4, 8}, {2, 4}, {1, 2}};
        for (int[] pass : passes) {
            for (int y = pass[0]; y < h; y += pass[1], row++) System.arraycopy(src, row * w, out, y * w, w);
        }
        return out;
    }

    private void draw(int[] canvas, int cw, int ch, Frame f, boolean first) {
        for (int y = 0; y < f.height; y++) {
            int cy = f.top + y;
            if (cy >= ch) break;
            for (int x = 0; x < f.width; x++) {
                int cx = f.left + x, idx = f.indices[y * f.width + x] & 0xFF;
                if (cx >= cw || (!first && idx == f.transparent)) continue;
                canvas[cy * cw + cx] = colour(f.palette, idx);
            }
        }
    }

    private static void fill(int[] canvas, int cw, int ch, Frame f, int colour) {
        for (int y = f.top; y < Math.min(f.top + f.height, ch); y++) {
            for (int x = f.left; x < Math.min(f.left + f.width, cw); x++) canvas[y * cw + x] = colour;
        }
    }

    /** Palette colour as 0xRRGGBB; no palette means grey (PIL mode L), out of range means black. */
    private static int colour(int[] palette, int index) {
        if (palette == null) return index << 16 | index << 8 | index;
        return index < palette.length ? palette[index] : 0;
    }

    private static RgbImage toRgb(int[] canvas, int w, int h) {
        byte[] rgb = new byte[canvas.length * 3];
        for (int i = 0; i < canvas.length; i++) {
            rgb[3 * i] = (byte) (canvas[i] >> 16);
            rgb[3 * i + 1] = (byte) (canvas[i] >> 8);
            rgb[3 * i + 2] = (byte) canvas[i];
        }
        return new RgbImage(w, h, rgb);
    }

    private int[] palette(int entries, String what) {
        need(3 * entries, what);
        int[] pal = new int[entries];
        for (int i = 0; i < entries; i++, p += 3) {
            pal[i] = (d[p] & 0xFF) << 16 | (d[p + 1] & 0xFF) << 8 | (d[p + 2] & 0xFF);
        }
        return pal;
    }

    private void skipSubBlocks() {
        while (true) {
            need(1, "data sub-block");
            int len = d[p++] & 0xFF;
            if (len == 0) return;
            need(len, "data sub-block");
            p += len;
        }
    }

    private byte[] subBlocks() {
        int start = p, total = 0;
        skipSubBlocks();
        for (int q = start; d[q] != 0; q += 1 + (d[q] & 0xFF)) total += d[q] & 0xFF;
        byte[] out = new byte[total];
        for (int q = start, o = 0; d[q] != 0; q += 1 + (d[q] & 0xFF)) {
            System.arraycopy(d, q + 1, out, o, d[q] & 0xFF);
            o += d[q] & 0xFF;
        }
        return out;
    }

    private void need(int n, String what) {
        if (p + n > d.length) {
            throw new FormatException(name, "GIF " + what + " at byte " + p, n + " more bytes, the file is truncated");
        }
    }

    private int u16(int at) {
        return (d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8;
    }

    /** GIF's variable-width LZW (codes of minCodeSize+1 … 12 bits, LSB first, clear and end codes). */
    static final class Lzw {
        private Lzw() {}

        static byte[] decode(byte[] in, int minCodeSize, int pixels, String name) {
            if (minCodeSize < 1 || minCodeSize > 11) {
                throw new FormatException(name, "GIF LZW minimum code size", "1 … 11, found " + minCodeSize);
            }
            byte[] out = new byte[pixels];
            int clear = 1 << minCodeSize, end = clear + 1;
            short[] prefix = new short[4096];
            byte[] suffix = new byte[4096], first = new byte[4096], stack = new byte[4097];
            for (int i = 0; i < clear; i++) {
                suffix[i] = (byte) i;
                first[i] = (byte) i;
            }
            int size = minCodeSize + 1, next = clear + 2, prev = -1, o = 0;
            long bitPos = 0, bits = (long) in.length * 8;
            while (o < pixels && bitPos + size <= bits) {
                int code = 0;
                for (int k = 0; k < size; k++, bitPos++) {
                    code |= ((in[(int) (bitPos >>> 3)] >> (bitPos & 7)) & 1) << k;
                }
                if (code == clear) {
                    size = minCodeSize + 1;
                    next = clear + 2;
                    prev = -1;
                    continue;
                }
                if (code == end) break;
                if (prev < 0) {
                    if (code >= clear) throw bad(name, code);
                    out[o++] = (byte) code;
                    prev = code;
                    continue;
                }
                int c = code, sp = 0;
                byte firstByte;
                if (code < next && code != clear && code != end) {
                    firstByte = first[code];
                } else if (code == next && next < 4096) { // the "KwKwK" case: prev + first(prev)
                    firstByte = first[prev];
                    stack[sp++] = firstByte;
                    c = prev;
                } else {
                    throw bad(name, code);
                }
                while (c >= clear) {
                    stack[sp++] = suffix[c];
                    c = prefix[c];
                }
                stack[sp++] = (byte) c;
                while (sp > 0 && o < pixels) out[o++] = stack[--sp];
                if (next < 4096) {
                    prefix[next] = (short) prev;
                    suffix[next] = firstByte;
                    first[next] = first[prev];
                    next++;
                    if (next == 1 << size && size < 12) size++;
                }
                prev = code;
            }
            if (o < pixels) {
                throw new FormatException(name, "GIF image data", pixels + " pixels, the LZW data ends after " + o
                        + " (truncated file)");
            }
            return out;
        }

        private static FormatException bad(String name, int code) {
            return new FormatException(name, "GIF image data", "valid LZW codes, found code " + code);
        }
    }
}
