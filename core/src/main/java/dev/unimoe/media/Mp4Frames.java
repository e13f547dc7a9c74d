package dev.unimoe.media;

import dev.unimoe.formats.FormatException;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.VideoCodecMeta;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rect;
import org.jcodec.scale.ColorUtil;
import org.jcodec.scale.Transform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MP4 (H.264) frames through JCodec ({@code org.jcodec:jcodec:0.2.5}, pure Java, no native code).
 * Frames are decoded in order (no seeking, which JCodec does only approximately) and converted
 * to RGB with JCodec's YUV → RGB transform.
 */
final class Mp4Frames {
    private Mp4Frames() {}

    static List<RgbImage> sample(Path file, int n, ImageLimits limits) {
        String name = file.toString();
        try (FileChannelWrapper channel = NIOUtils.readableChannel(file.toFile())) {
            FrameGrab grab = FrameGrab.createFrameGrab(channel);
            DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
            int count = meta.getTotalFrames();
            VideoCodecMeta codecMeta = meta.getVideoCodecMeta();
            if (codecMeta != null) {
                limits.check(name, "video frame size", codecMeta.getSize().getWidth(), codecMeta.getSize().getHeight());
            }
            if (count <= 0) throw new FormatException(name, "video frames", "at least one video frame, found none");
            int[] wanted = VideoFrames.uniformIndices(count, n);
            List<RgbImage> out = new ArrayList<>(wanted.length);
            for (int i = 0, next = 0; next < wanted.length; i++) {
                Picture pic = grab.getNativeFrame();
                if (pic == null) {
                    throw new FormatException(name, "video frame " + i, count + " decodable frames as the header says");
                }
                if (i != wanted[next]) continue;
                int w = pic.getWidth(), h = pic.getHeight();
                limits.check(name, "video frame " + i + " size", w, h);
                Picture rgb = Picture.create(w, h, ColorSpace.RGB);
                Transform t = ColorUtil.getTransform(pic.getColor(), ColorSpace.RGB);
                if (t == null) throw new FormatException(name, "video frame " + i, "a colour format JCodec converts to RGB");
                t.transform(pic, rgb);
                RgbImage frame = toRgb(rgb.getPlaneData(0), w, h);
                Rect crop = pic.getCrop();                    // H.264 codes whole macroblocks; the crop is the picture
                if (crop != null) frame = frame.crop(crop.getX(), crop.getY(), crop.getWidth(), crop.getHeight());
                out.add(frame);
                next++;
            }
            return out;
        } catch (FormatException e) {
            throw e;
        } catch (IOException | JCodecException | RuntimeException e) {
            throw new FormatException(name, "video data", "an MP4 with an H.264 video track JCodec can decode (" + ImageDecoder.reason(e) + ")");
        }
    }

    /** JCodec stores 8-bit samples as signed bytes offset by −128. */
    private static RgbImage toRgb(byte[] data, int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (data[i] + 128);
        return new RgbImage(w, h, rgb);
    }
}
