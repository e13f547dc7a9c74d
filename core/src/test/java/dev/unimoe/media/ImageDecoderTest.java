package dev.unimoe.media;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding to RGB with PIL {@code convert("RGB")} values, and refusing bad files. */
class ImageDecoderTest {
    @TempDir
    Path dir;

    private static Path fixture(String file) {
        return Fixtures.path("clip-vision", "images", file);
    }

    @Test
    void pngRgb() throws IOException {
        RgbImage img = ImageDecoder.decode(fixture("chelsea_256x170.png"));
        assertEquals(256, img.width());
        assertEquals(170, img.height());
        BufferedImage raw = ImageIO.read(fixture("chelsea_256x170.png").toFile());
        int[] px = raw.getRaster().getPixel(100, 50, (int[]) null); // sRGB PNG: raster = stored bytes
        assertEquals(px[0], img.get(100, 50, 0));
        assertEquals(px[2], img.get(100, 50, 2));
    }

    @Test
    void pngGreyBecomesEqualChannelsWithoutGammaChange() throws IOException {
        RgbImage img = ImageDecoder.decode(fixture("camera_gray_200x150.png"));
        assertEquals(200, img.width());
        assertEquals(150, img.height());
        WritableRaster raw = ImageIO.read(fixture("camera_gray_200x150.png").toFile()).getRaster();
        for (int y = 0; y < 150; y++) {
            for (int x = 0; x < 200; x++) {
                int v = raw.getSample(x, y, 0);
                assertEquals(v, img.get(x, y, 0));
                assertEquals(v, img.get(x, y, 1));
                assertEquals(v, img.get(x, y, 2));
            }
        }
    }

    @Test
    void jpegEqualsLibjpegTurboIslowDecode() {
        RgbImage img = ImageDecoder.decode(fixture("coffee_256x171.jpg"));
        byte[] expected;
        try (Safetensors ref = Safetensors.open(Fixtures.path("clip-vision", "reference.safetensors"))) {
            expected = ref.bytes("coffee.decoded_rgb_u8").toArray(ValueLayout.JAVA_BYTE);
        }
        assertEquals(256, img.width());
        assertEquals(171, img.height());
        int maxDiff = 0, differing = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs((expected[i] & 0xFF) - (img.rgb()[i] & 0xFF));
            maxDiff = Math.max(maxDiff, d);
            if (d != 0) differing++;
        }
        assertEquals(0, differing, "bytes differing from libjpeg-turbo: " + differing + ", max |diff| " + maxDiff);
    }

    @Test
    void bmpAndPngRgbRoundTrip() throws IOException {
        BufferedImage src = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) src.setRGB(x, y, (x * 50) << 16 | (y * 100) << 8 | (x * y * 20));
        for (String format : new String[] {"bmp", "png"}) {
            RgbImage img = ImageDecoder.decode(write(src, format, "rgb." + format));
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 5; x++) {
                    assertEquals(x * 50, img.get(x, y, 0), format);
                    assertEquals(y * 100, img.get(x, y, 1), format);
                    assertEquals(x * y * 20, img.get(x, y, 2), format);
                }
            }
        }
    }

    @Test
    void paletteGifAndPngLookUpThePalette() throws IOException {
        byte[] r = {10, (byte) 200, 0, 77}, g = {20, 0, (byte) 255, 77}, b = {30, 100, 0, 77};
        IndexColorModel icm = new IndexColorModel(8, 4, r, g, b);
        BufferedImage src = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_INDEXED, icm);
        for (int x = 0; x < 4; x++) {
            src.getRaster().setSample(x, 0, 0, x);
            src.getRaster().setSample(x, 1, 0, 3 - x);
        }
        for (String format : new String[] {"gif", "png"}) {
            RgbImage img = ImageDecoder.decode(write(src, format, "pal." + format));
            assertEquals(4, img.width(), format);
            for (int x = 0; x < 4; x++) {
                assertEquals(r[x] & 0xFF, img.get(x, 0, 0), format);
                assertEquals(g[x] & 0xFF, img.get(x, 0, 1), format);
                assertEquals(b[3 - x] & 0xFF, img.get(x, 1, 2), format);
            }
        }
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage src = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        src.setRGB(0, 0, 0x00C86432); // fully transparent, colour kept by PIL's convert("RGB")
        src.setRGB(1, 0, 0x80102030);
        RgbImage img = ImageDecoder.decode(write(src, "png", "rgba.png"));
        assertArrayEquals(new byte[] {(byte) 200, 100, 50, 16, 32, 48}, img.rgb());

        BufferedImage greyAlpha = custom(ColorSpace.CS_GRAY, true, DataBuffer.TYPE_BYTE, 2, 1);
        greyAlpha.getRaster().setPixel(0, 0, new int[] {90, 0});
        greyAlpha.getRaster().setPixel(1, 0, new int[] {250, 255});
        img = ImageDecoder.decode(write(greyAlpha, "png", "la.png"));
        assertArrayEquals(new byte[] {90, 90, 90, (byte) 250, (byte) 250, (byte) 250}, img.rgb());
    }

    @Test
    void sixteenBitFollowsPil() throws IOException {
        // 16-bit grey is PIL mode I;16, whose RGB conversion clips at 255 instead of scaling.
        BufferedImage grey = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {7, 255, 256, 65535});
        RgbImage img = ImageDecoder.decode(write(grey, "png", "g16.png"));
        assertArrayEquals(new byte[] {7, 7, 7, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255,
                (byte) 255, (byte) 255, (byte) 255}, img.rgb());
        // 16-bit RGB keeps the high byte.
        BufferedImage rgb = custom(ColorSpace.CS_sRGB, false, DataBuffer.TYPE_USHORT, 1, 1);
        rgb.getRaster().setPixel(0, 0, new int[] {0x1234, 0xFF00, 0x00FF});
        assertArrayEquals(new byte[] {0x12, (byte) 0xFF, 0}, ImageDecoder.decode(write(rgb, "png", "rgb16.png")).rgb());
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        for (String file : new String[] {"chelsea_256x170.png", "coffee_256x171.jpg"}) {
            byte[] all = Files.readAllBytes(fixture(file));
            Path cut = dir.resolve("cut-" + file);
            Files.write(cut, Arrays.copyOf(all, all.length / 2));
            FormatException e = assertThrows(FormatException.class, () -> ImageDecoder.decode(cut));
            assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("image data"), e.getMessage());
        }
        // complete JPEG data without the EOI marker: PIL decodes it, so do we
        byte[] jpeg = Files.readAllBytes(fixture("coffee_256x171.jpg"));
        Path noEoi = dir.resolve("no-eoi.jpg");
        Files.write(noEoi, Arrays.copyOf(jpeg, jpeg.length - 2));
        assertArrayEquals(ImageDecoder.decode(fixture("coffee_256x171.jpg")).rgb(), ImageDecoder.decode(noEoi).rgb());
        Path headerOnly = dir.resolve("header.png");
        Files.write(headerOnly, Arrays.copyOf(Files.readAllBytes(fixture("chelsea_256x170.png")), 20));
        FormatException e = assertThrows(FormatException.class, () -> ImageDecoder.decode(headerOnly));
        assertTrue(e.getMessage().startsWith(headerOnly.toString()), e.getMessage());
    }

    @Test
    void nonImageAndMissingFilesAreRefused() throws IOException {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "this is not an image, whatever the name says\n");
        FormatException e = assertThrows(FormatException.class, () -> ImageDecoder.decode(text));
        assertTrue(e.getMessage().contains("notes.png") && e.getMessage().contains("PNG, JPEG"), e.getMessage());
        Path missing = dir.resolve("missing.jpg");
        e = assertThrows(FormatException.class, () -> ImageDecoder.decode(missing));
        assertTrue(e.getMessage().contains("missing.jpg"), e.getMessage());
        e = assertThrows(FormatException.class, () -> ImageDecoder.decode(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void hugeDeclaredSizeIsRefusedBeforeDecoding() throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngWithHeader(100_000, 100_000));
        FormatException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(FormatException.class, () -> ImageDecoder.decode(bomb)));
        assertTrue(e.getMessage().contains("100000x100000") && e.getMessage().contains("refused before decoding"), e.getMessage());
        // a configurable limit, checked the same way
        FormatException small = assertThrows(FormatException.class,
                () -> ImageDecoder.decode(fixture("chelsea_256x170.png"), new ImageLimits(200, 1_000_000)));
        assertTrue(small.getMessage().contains("256x170"), small.getMessage());
    }

    /** PNG signature, an IHDR claiming {@code w}×{@code h} RGB with a correct CRC, a bogus IDAT, IEND. */
    static byte[] pngWithHeader(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static BufferedImage custom(int colourSpace, boolean alpha, int dataType, int w, int h) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(colourSpace), alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, dataType);
        return new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null);
    }

    private Path write(BufferedImage img, String format, String name) throws IOException {
        Path p = dir.resolve(name);
        assertTrue(ImageIO.write(img, format, p.toFile()), "ImageIO cannot write " + format);
        return p;
    }
}
