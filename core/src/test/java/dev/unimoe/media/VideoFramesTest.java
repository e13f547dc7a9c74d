package dev.unimoe.media;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frame folders, animated GIFs (compositing), MP4 support status and uniform sampling. */
class VideoFramesTest {
    @TempDir
    Path dir;

    private static final int BG = 0x0A0A0A, RED = 0xFF0000, GREEN = 0x00FF00, BLUE = 0x0000FF;

    @Test
    void fixtureFrameFolderInFileOrder() {
        Path folder = Fixtures.path("unimoe-tiny", "frames");
        List<RgbImage> all = VideoFrames.all(folder);
        assertEquals(4, all.size());
        for (int i = 0; i < 4; i++) {
            RgbImage expected = ImageDecoder.decode(folder.resolve("frame_00" + i + ".png"));
            assertEquals(160, all.get(i).width());
            assertEquals(120, all.get(i).height());
            assertArrayEquals(expected.rgb(), all.get(i).rgb(), "frame " + i);
        }
        List<RgbImage> two = VideoFrames.sample(folder, 2);
        assertArrayEquals(all.get(0).rgb(), two.get(0).rgb());
        assertArrayEquals(all.get(2).rgb(), two.get(1).rgb());
        assertEquals(4, VideoFrames.sample(folder, 100).size()); // never repeats frames
    }

    @Test
    void uniformSamplingTakesTheStartOfEqualSegments() {
        assertArrayEquals(new int[] {0, 2, 5, 7}, VideoFrames.uniformIndices(10, 4));
        assertArrayEquals(new int[] {0, 1, 2}, VideoFrames.uniformIndices(3, 8));
        assertArrayEquals(new int[] {0}, VideoFrames.uniformIndices(5, 1));
        assertThrows(IllegalArgumentException.class, () -> VideoFrames.sample(dir, 0));
    }

    @Test
    void folderOrderIsNaturalAndSkipsNonImages() throws IOException {
        int[] order = {10, 2, 1};
        for (int n : order) {
            BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, n);
            ImageIO.write(img, "png", dir.resolve("f" + n + ".png").toFile());
        }
        Files.writeString(dir.resolve("notes.txt"), "not a frame");
        Files.writeString(dir.resolve(".hidden.png"), "not a frame either");
        List<RgbImage> frames = VideoFrames.all(dir);
        assertEquals(3, frames.size());
        assertEquals(1, frames.get(0).get(0, 0, 2));
        assertEquals(2, frames.get(1).get(0, 0, 2));
        assertEquals(10, frames.get(2).get(0, 0, 2));
        assertTrue(VideoFrames.naturalCompare("frame_000", "frame_001") < 0);
        assertTrue(VideoFrames.naturalCompare("a9", "a10") < 0);
    }

    @Test
    void folderErrors() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "no images here");
        FormatException e = assertThrows(FormatException.class, () -> VideoFrames.all(empty));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("found none"), e.getMessage());

        Path broken = Files.createDirectory(dir.resolve("broken"));
        Files.copy(Fixtures.path("unimoe-tiny", "frames", "frame_000.png"), broken.resolve("a.png"));
        Files.writeString(broken.resolve("b.png"), "not a png");
        e = assertThrows(FormatException.class, () -> VideoFrames.all(broken));
        assertTrue(e.getMessage().contains("b.png"), e.getMessage());

        Path text = dir.resolve("video.avi");
        Files.writeString(text, "RIFF....AVI nonsense");
        e = assertThrows(FormatException.class, () -> VideoFrames.all(text));
        assertTrue(e.getMessage().contains("frame") && e.getMessage().contains("GIF"), e.getMessage());
    }

    @Test
    void animatedGifIsCompositedWithDisposalMethods() throws IOException {
        Path gif = writeAnimation(dir.resolve("anim.gif"));
        List<RgbImage> f = VideoFrames.all(gif);
        assertEquals(4, f.size());
        for (RgbImage img : f) {
            assertEquals(8, img.width());
            assertEquals(6, img.height());
        }
        // frame 0: drawn whole; its transparent index keeps its palette colour (Pillow's P image)
        assertEquals(BLUE, rgb(f.get(0), 0, 0));
        assertEquals(RED, rgb(f.get(0), 5, 5));
        // frame 1: 2x2 green at (1,1); its transparent pixel shows frame 0 below
        assertEquals(RED, rgb(f.get(1), 1, 1));
        assertEquals(GREEN, rgb(f.get(1), 2, 1));
        assertEquals(GREEN, rgb(f.get(1), 2, 2));
        // frame 2: frame 1 was "restore to background": its rectangle takes the colour of its
        // transparent index; then a 2x2 blue at (4,2), interlaced (the JDK reader drops rows here)
        assertEquals(BG, rgb(f.get(2), 1, 1));
        assertEquals(BG, rgb(f.get(2), 2, 2));
        assertEquals(BLUE, rgb(f.get(2), 4, 2));
        assertEquals(BLUE, rgb(f.get(2), 5, 3));
        // frame 3: frame 2 was "restore to previous": its rectangle is red again
        assertEquals(RED, rgb(f.get(3), 4, 2));
        assertEquals(RED, rgb(f.get(3), 5, 3));
        assertEquals(BG, rgb(f.get(3), 2, 2));
        assertEquals(GREEN, rgb(f.get(3), 7, 5));
        assertEquals(BLUE, rgb(f.get(3), 0, 0));

        List<RgbImage> two = VideoFrames.sample(gif, 2);
        assertArrayEquals(f.get(0).rgb(), two.get(0).rgb());
        assertArrayEquals(f.get(2).rgb(), two.get(1).rgb());
        // a still-image decode of a GIF is its first frame
        assertArrayEquals(f.get(0).rgb(), ImageDecoder.decode(gif).rgb());
    }

    @Test
    void truncatedGifIsRefused() throws IOException {
        Path gif = writeAnimation(dir.resolve("anim.gif"));
        byte[] all = Files.readAllBytes(gif);
        Path cut = dir.resolve("cut.gif");
        Files.write(cut, Arrays.copyOf(all, 40));
        FormatException e = assertThrows(FormatException.class, () -> VideoFrames.all(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void gifClaimingAHugeScreenIsRefusedBeforeDecoding() throws IOException {
        Path gif = dir.resolve("bomb.gif");
        // 60000x60000 logical screen, no palette, then a 1x1 frame
        Files.write(gif, new byte[] {'G', 'I', 'F', '8', '9', 'a', 0x60, (byte) 0xEA, 0x60, (byte) 0xEA, 0, 0, 0,
                0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, 0x3B});
        FormatException e = assertThrows(FormatException.class, () -> VideoFrames.all(gif));
        assertTrue(e.getMessage().contains("60000x60000") && e.getMessage().contains("refused"), e.getMessage());
        assertThrows(FormatException.class, () -> ImageDecoder.decode(gif));
        // the same frame on a sane screen decodes
        byte[] ok = Files.readAllBytes(gif);
        ok[6] = 1; ok[7] = 0; ok[8] = 1; ok[9] = 0;
        Files.write(gif, ok);
        assertEquals(1, ImageDecoder.decode(gif).width());
    }

    @Test
    void truncatedMp4IsAClearError() throws IOException {
        Path mp4 = dir.resolve("clip.mp4");
        Files.write(mp4, new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0});
        FormatException e = assertThrows(FormatException.class, () -> VideoFrames.all(mp4));
        assertTrue(e.getMessage().contains("clip.mp4"), e.getMessage());
    }

    @Test
    void mp4DecodesWithJcodec() throws Exception {
        Path mp4 = dir.resolve("clip.mp4");
        int[] colours = {RED, GREEN, BLUE, 0x808080, 0xFFFF00};
        JcodecWriter.write(mp4.toFile(), 64, 48, colours);
        List<RgbImage> frames = VideoFrames.all(mp4);
        assertEquals(colours.length, frames.size());
        for (int i = 0; i < colours.length; i++) {
            assertEquals(64, frames.get(i).width());
            assertEquals(48, frames.get(i).height());
            int got = rgb(frames.get(i), 30, 20);
            for (int s = 16; s >= 0; s -= 8) {
                int d = Math.abs(((got >> s) & 0xFF) - ((colours[i] >> s) & 0xFF));
                assertTrue(d <= 12, "frame " + i + ": " + Integer.toHexString(got) + " vs " + Integer.toHexString(colours[i]));
            }
        }
        assertEquals(2, VideoFrames.sample(mp4, 2).size());
    }

    private static int rgb(RgbImage img, int x, int y) {
        return img.get(x, y, 0) << 16 | img.get(x, y, 1) << 8 | img.get(x, y, 2);
    }

    /** 8x6 animation: see {@link #animatedGifIsCompositedWithDisposalMethods} for the expected frames. */
    private static Path writeAnimation(Path file) throws IOException {
        IndexColorModel palette = new IndexColorModel(8, 4, new byte[] {10, (byte) 255, 0, 0},
                new byte[] {10, 0, (byte) 255, 0}, new byte[] {10, 0, 0, (byte) 255});
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            BufferedImage f0 = filled(palette, 8, 6, 1);
            f0.getRaster().setSample(0, 0, 0, 3);
            writeFrame(w, f0, 0, 0, "doNotDispose", 3, false);
            BufferedImage f1 = filled(palette, 2, 2, 2);
            f1.getRaster().setSample(0, 0, 0, 0);
            writeFrame(w, f1, 1, 1, "restoreToBackgroundColor", 0, false);
            writeFrame(w, filled(palette, 2, 2, 3), 4, 2, "restoreToPrevious", -1, true);
            writeFrame(w, filled(palette, 1, 1, 2), 7, 5, "none", -1, false);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        return file;
    }

    private static BufferedImage filled(IndexColorModel cm, int w, int h, int index) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, index);
        return img;
    }

    private static void writeFrame(ImageWriter w, BufferedImage img, int left, int top, String disposal,
                                   int transparent, boolean interlaced) throws IOException {
        String format = "javax_imageio_gif_image_1.0";
        IIOMetadata meta = w.getDefaultImageMetadata(new ImageTypeSpecifier(img), null);
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
        IIOMetadataNode desc = child(root, "ImageDescriptor");
        desc.setAttribute("imageLeftPosition", Integer.toString(left));
        desc.setAttribute("imageTopPosition", Integer.toString(top));
        desc.setAttribute("interlaceFlag", interlaced ? "TRUE" : "FALSE");
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", disposal);
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("delayTime", "10");
        gce.setAttribute("transparentColorFlag", transparent >= 0 ? "TRUE" : "FALSE");
        gce.setAttribute("transparentColorIndex", Integer.toString(Math.max(transparent, 0)));
        meta.setFromTree(format, root);
        w.writeToSequence(new IIOImage(img, null, meta), null);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equals(name)) return (IIOMetadataNode) root.item(i);
        }
        IIOMetadataNode n = new IIOMetadataNode(name);
        root.appendChild(n);
        return n;
    }

    /** Writes solid-colour H.264 frames with JCodec's SequenceEncoder, by reflection (JCodec is optional). */
    private static final class JcodecWriter {
        static void write(File file, int w, int h, int[] colours) throws Exception {
            ClassLoader cl = VideoFramesTest.class.getClassLoader();
            Class<?> enc = Class.forName("org.jcodec.api.SequenceEncoder", true, cl);
            Class<?> pic = Class.forName("org.jcodec.common.model.Picture", true, cl);
            Class<?> cs = Class.forName("org.jcodec.common.model.ColorSpace", true, cl);
            Object rgb = cs.getField("RGB").get(null);
            Object encoder = enc.getMethod("createSequenceEncoder", File.class, int.class).invoke(null, file, 5);
            for (int c : colours) {
                Object p = pic.getMethod("create", int.class, int.class, cs).invoke(null, w, h, rgb);
                byte[] data = (byte[]) pic.getMethod("getPlaneData", int.class).invoke(p, 0);
                for (int i = 0; i < w * h; i++) {
                    data[3 * i] = (byte) (((c >> 16) & 0xFF) - 128);
                    data[3 * i + 1] = (byte) (((c >> 8) & 0xFF) - 128);
                    data[3 * i + 2] = (byte) ((c & 0xFF) - 128);
                }
                enc.getMethod("encodeNativeFrame", pic).invoke(encoder, p);
            }
            enc.getMethod("finish").invoke(encoder);
        }
    }
}
