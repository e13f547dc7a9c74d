package dev.unimoe.media;

import dev.unimoe.formats.FormatException;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MP4 (H.264) frames through JCodec ({@code org.jcodec:jcodec:0.2.5}, pure Java, no native code),
 * an optional dependency called by reflection: the engine builds and runs without it, and an MP4
 * then fails with an error that says how to convert it. Frames are decoded in order (no seeking,
 * which JCodec does only approximately) and converted to RGB with JCodec's YUV → RGB transform.
 */
final class Mp4Frames {
    private Mp4Frames() {}

    static final String COORDINATES = "org.jcodec:jcodec:0.2.5";

    static boolean available() {
        try {
            Class.forName("org.jcodec.api.FrameGrab", false, Mp4Frames.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static List<RgbImage> sample(Path file, int n, ImageLimits limits) {
        String name = file.toString();
        if (!available()) {
            throw new FormatException(name, "format", "a frame folder or an animated GIF: MP4 is unsupported here"
                    + " (the optional decoder " + COORDINATES + " is not on the class path); convert the video first,"
                    + " e.g. ffmpeg -i video.mp4 frames/frame_%05d.png");
        }
        Object channel = null;
        try {
            ClassLoader cl = Mp4Frames.class.getClassLoader();
            Class<?> nio = Class.forName("org.jcodec.common.io.NIOUtils", true, cl);
            Class<?> seekable = Class.forName("org.jcodec.common.io.SeekableByteChannel", true, cl);
            Class<?> grabClass = Class.forName("org.jcodec.api.FrameGrab", true, cl);
            Class<?> pictureClass = Class.forName("org.jcodec.common.model.Picture", true, cl);
            Class<?> colorSpace = Class.forName("org.jcodec.common.model.ColorSpace", true, cl);
            Class<?> colorUtil = Class.forName("org.jcodec.scale.ColorUtil", true, cl);
            Class<?> transform = Class.forName("org.jcodec.scale.Transform", true, cl);

            channel = nio.getMethod("readableChannel", File.class).invoke(null, file.toFile());
            Object grab = grabClass.getMethod("createFrameGrab", seekable).invoke(null, channel);
            Object track = grabClass.getMethod("getVideoTrack").invoke(grab);
            Object meta = track.getClass().getMethod("getMeta").invoke(track);
            int count = (int) call(meta, "getTotalFrames");
            Object codecMeta = call(meta, "getVideoCodecMeta");
            if (codecMeta != null) {
                Object size = call(codecMeta, "getSize");
                limits.check(name, "video frame size", (int) call(size, "getWidth"), (int) call(size, "getHeight"));
            }
            if (count <= 0) throw new FormatException(name, "video frames", "at least one video frame, found none");

            Object rgbSpace = colorSpace.getField("RGB").get(null);
            Method getNativeFrame = grabClass.getMethod("getNativeFrame");
            Method create = pictureClass.getMethod("create", int.class, int.class, colorSpace);
            Method getTransform = colorUtil.getMethod("getTransform", colorSpace, colorSpace);
            Method apply = transform.getMethod("transform", pictureClass, pictureClass);

            int[] wanted = VideoFrames.uniformIndices(count, n);
            List<RgbImage> out = new ArrayList<>(wanted.length);
            for (int i = 0, next = 0; next < wanted.length; i++) {
                Object pic = getNativeFrame.invoke(grab);
                if (pic == null) {
                    throw new FormatException(name, "video frame " + i, count + " decodable frames as the header says");
                }
                if (i != wanted[next]) continue;
                int w = (int) call(pic, "getWidth"), h = (int) call(pic, "getHeight");
                limits.check(name, "video frame " + i + " size", w, h);
                Object rgb = create.invoke(null, w, h, rgbSpace);
                Object t = getTransform.invoke(null, call(pic, "getColor"), rgbSpace);
                if (t == null) throw new FormatException(name, "video frame " + i, "a colour format JCodec converts to RGB");
                apply.invoke(t, pic, rgb);
                RgbImage frame = toRgb((byte[]) rgb.getClass().getMethod("getPlaneData", int.class).invoke(rgb, 0), w, h);
                Object crop = call(pic, "getCrop"); // H.264 codes whole macroblocks; the crop is the picture
                if (crop != null) {
                    frame = frame.crop((int) call(crop, "getX"), (int) call(crop, "getY"),
                            (int) call(crop, "getWidth"), (int) call(crop, "getHeight"));
                }
                out.add(frame);
                next++;
            }
            return out;
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof FormatException fe) throw fe;
            throw new FormatException(name, "video data", "an MP4 with an H.264 video track JCodec can decode ("
                    + ImageDecoder.reason(c) + ")");
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new FormatException(name, "video decoder", COORDINATES + " (found an incompatible JCodec: "
                    + ImageDecoder.reason(e) + ")");
        } finally {
            if (channel instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // read-only file channel: nothing to lose
                }
            }
        }
    }

    private static Object call(Object target, String method) throws ReflectiveOperationException {
        return target.getClass().getMethod(method).invoke(target);
    }

    /** JCodec stores 8-bit samples as signed bytes offset by −128. */
    private static RgbImage toRgb(byte[] data, int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (data[i] + 128);
        return new RgbImage(w, h, rgb);
    }
}
