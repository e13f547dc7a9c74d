package dev.unimoe.media;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Json;
import dev.unimoe.formats.JsonFields;
import dev.unimoe.formats.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIPImageProcessor outputs against {@code clip-vision/reference.safetensors}, bit for bit. */
class ClipPreprocessTest {
    private static Safetensors ref;
    private static ClipImageProcessor processor;

    @BeforeAll
    static void open() {
        ref = Safetensors.open(Fixtures.path("clip-vision", "reference.safetensors"));
        processor = ClipImageProcessor.load(Fixtures.path("clip-vision", "preprocessor_config.json"));
    }

    @AfterAll
    static void close() {
        ref.close();
    }

    private static Path image(String file) {
        return Fixtures.path("clip-vision", "images", file);
    }

    private static void assertBitExact(String name, PixelValues pv) {
        assertEquals(224, pv.height());
        assertEquals(224, pv.width());
        float[] expected = ref.tensor(name + ".pixel_values").toFloatArray();
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(pv.values()[i])) {
                if (first < 0) first = i;
                mismatches++;
            }
        }
        assertEquals(0, mismatches, name + ": " + mismatches + " values differ, first at flat index " + first);
    }

    @Test
    void chelsea_pngRgbNonSquare_bitExact() {
        assertBitExact("chelsea", processor.preprocess(ImageDecoder.decode(image("chelsea_256x170.png"))));
    }

    @Test
    void camera_pngGreyUpscaled_bitExact() {
        assertBitExact("camera", processor.preprocess(ImageDecoder.decode(image("camera_gray_200x150.png"))));
    }

    @Test
    void coffee_jpegThroughImageIo_bitExact() {
        assertBitExact("coffee", processor.preprocess(ImageDecoder.decode(image("coffee_256x171.jpg"))));
    }

    @Test
    void coffee_fromReferenceDecodedPixels_bitExact() {
        // Pins the pipeline independently of the JPEG decoder.
        byte[] rgb = ref.bytes("coffee.decoded_rgb_u8").toArray(ValueLayout.JAVA_BYTE);
        assertBitExact("coffee", processor.preprocess(new RgbImage(256, 171, rgb)));
    }

    @Test
    void resizeTargetsFollowTransformersTruncation() {
        assertArrayEquals(new int[] {224, 337}, ClipImageProcessor.shortestEdgeSize(170, 256, 224)); // 337.88
        assertArrayEquals(new int[] {224, 298}, ClipImageProcessor.shortestEdgeSize(150, 200, 224)); // 298.67
        assertArrayEquals(new int[] {335, 224}, ClipImageProcessor.shortestEdgeSize(256, 171, 224)); // portrait
        assertArrayEquals(new int[] {224, 224}, ClipImageProcessor.shortestEdgeSize(50, 50, 224));
    }

    @Test
    void centerCropPadsSmallImagesWithZerosLikeTransformers() {
        byte[] rgb = new byte[3 * 2 * 3];
        java.util.Arrays.fill(rgb, (byte) 200);
        RgbImage out = ClipImageProcessor.centerCrop(new RgbImage(3, 2, rgb), 5, 4);
        assertEquals(4, out.width());
        assertEquals(5, out.height());
        // rows: pad ceil(3/2)=2 above; columns: pad ceil(1/2)=1 left
        assertEquals(0, out.get(0, 2, 0));
        assertEquals(200, out.get(1, 2, 0));
        assertEquals(200, out.get(3, 3, 0));
        assertEquals(0, out.get(1, 1, 0));
        assertEquals(0, out.get(1, 4, 0));
    }

    @Test
    void configWithOtherResampleOrBadValuesIsRefused() {
        FormatException e = assertThrows(FormatException.class,
                () -> ClipImageProcessor.fromJson(fields("{\"resample\": 2}")));
        assertTrue(e.getMessage().contains("resample") && e.getMessage().contains("bicubic"), e.getMessage());
        e = assertThrows(FormatException.class, () -> ClipImageProcessor.fromJson(fields("{\"image_mean\": [0.5, 0.5]}")));
        assertTrue(e.getMessage().contains("image_mean"), e.getMessage());
        e = assertThrows(FormatException.class, () -> ClipImageProcessor.fromJson(fields("{\"size\": {\"longest_edge\": 5}}")));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
    }

    @Test
    void oldStyleIntegerSizesAndFlagsAreHonoured() {
        ClipImageProcessor p = ClipImageProcessor.fromJson(fields(
                "{\"size\": 336, \"crop_size\": 336, \"do_normalize\": false, \"resample\": 3}"));
        assertEquals(336, p.shortestEdge());
        assertEquals(336, p.cropHeight());
        PixelValues pv = p.preprocess(ImageDecoder.decode(image("chelsea_256x170.png")));
        assertEquals(336, pv.width());
        for (float v : pv.values()) assertTrue(v >= 0f && v <= 1f);
        assertEquals(224, ClipImageProcessor.defaults().cropWidth());
    }

    private static JsonFields fields(String json) {
        return new JsonFields(Json.parseObject(json, "test.json"), "test.json");
    }
}
