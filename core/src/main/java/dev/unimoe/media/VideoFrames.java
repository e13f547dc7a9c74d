package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Frames of a video given as a folder of image files, an animated GIF or an MP4 (H.264).
 * <p>
 * Uni-MoE itself feeds <em>every</em> file of a frame folder to the vision tower and averages the
 * features ({@link #all}); it has no sampling rule. {@link #sample} picks {@code n} of
 * {@code count} frames uniformly: frame {@code floor(i·count/n)} for {@code i = 0 … n−1}
 * (start of each of n equal segments: always includes frame 0, never repeats a frame);
 * with {@code n ≥ count} every frame is returned once.
 */
public final class VideoFrames {
    private VideoFrames() {}

    private static final List<String> FRAME_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff");

    /** Every frame, in order (Uni-MoE's behaviour). */
    public static List<RgbImage> all(Path video) {
        return sample(video, Integer.MAX_VALUE, ImageLimits.DEFAULT);
    }

    public static List<RgbImage> sample(Path video, int n) {
        return sample(video, n, ImageLimits.DEFAULT);
    }

    public static List<RgbImage> sample(Path video, int n, ImageLimits limits) {
        if (n <= 0) throw new IllegalArgumentException("number of frames must be positive, got " + n);
        String name = video.toString();
        if (Files.isDirectory(video)) {
            List<Path> files = frameFiles(video);
            List<RgbImage> out = new ArrayList<>();
            for (int i : uniformIndices(files.size(), n)) out.add(ImageDecoder.decode(files.get(i), limits));
            return out;
        }
        return switch (kindOf(video)) {
            case GIF -> gif(video, n, limits);
            case MP4 -> Mp4Frames.sample(video, n, limits);
            case OTHER -> throw new FormatException(name, "format",
                    "a folder of frame images, an animated GIF or an MP4 (H.264) video");
        };
    }

    /** {@code floor(i·count/n)} for i = 0 … min(n, count)−1. */
    public static int[] uniformIndices(int count, int n) {
        int k = Math.min(n, count);
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) idx[i] = (int) ((long) i * count / k);
        return idx;
    }

    /**
     * The image files of a frame folder (by extension, case-insensitive; hidden files skipped),
     * in natural file-name order: digit runs compare as numbers, so frame_2 comes before frame_10
     * and zero-padded names sort as usual.
     */
    public static List<Path> frameFiles(Path folder) {
        String name = folder.toString();
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> FRAME_EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                    .filter(Files::isRegularFile)
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString(), VideoFrames::naturalCompare))
                    .toList();
        } catch (IOException e) {
            throw new FormatException(name, "folder", "a readable frame folder (" + ImageDecoder.reason(e) + ")");
        }
        if (files.isEmpty()) {
            throw new FormatException(name, "frames", "at least one image file (" + String.join(", ", FRAME_EXTENSIONS)
                    + ") in the frame folder, found none");
        }
        return files;
    }

    static int naturalCompare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (si < a.length() && a.charAt(si) == '0') si++;
                while (sj < b.length() && b.charAt(sj) == '0') sj++;
                int ei = si, ej = sj;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) ei++;
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) ej++;
                int c = Integer.compare(ei - si, ej - sj); // more significant digits: larger
                if (c == 0) c = a.substring(si, ei).compareTo(b.substring(sj, ej));
                if (c != 0) return c;
                i = ei;
                j = ej;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b); // "f01" vs "f1": plain order breaks the tie
    }

    private enum Kind { GIF, MP4, OTHER }

    /** By signature: "GIF8", or an ISO-BMFF "ftyp" box at offset 4 (MP4, MOV, M4V). */
    private static Kind kindOf(Path file) {
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new FormatException(file.toString(), "file", "a readable video file (" + ImageDecoder.reason(e) + ")");
        }
        String s = new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (s.startsWith("GIF8")) return Kind.GIF;
        if (n >= 8 && s.startsWith("ftyp", 4)) return Kind.MP4;
        return Kind.OTHER;
    }

    private static List<RgbImage> gif(Path file, int n, ImageLimits limits) {
        GifDecoder gif = GifDecoder.open(file, limits);
        int count = gif.count();
        if (count == 0) throw new FormatException(file.toString(), "GIF frames", "at least one frame, found none");
        return gif.frames(uniformIndices(count, n));
    }
}
