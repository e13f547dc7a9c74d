package dev.unimoe.media;

import dev.unimoe.Fixtures;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pillow's bicubic resize, bit for bit. The fixture pipeline tests only enlarge; these cover
 * shrinking (antialiased support), mixed and one-axis resizes, down to 1×1.
 */
class ImageResizeTest {

    /**
     * SHA-256 of {@code Image.open(f).convert("RGB").resize((w, h), Image.BICUBIC).tobytes()},
     * computed with Pillow 9.4.0 (Debian bookworm python3-pil; Resample.c's algorithm is the same
     * in Pillow 13, whose enlargements the CLIP fixtures pin).
     */
    private static final String[] PILLOW = {
            "chelsea_256x170.png 100 67 52cd98f7ffd3c0776cb3099a0ce2b859b11e7c470e59e2c054addc3741b87c46",
            "chelsea_256x170.png 37 25 5ffa89005df36a7f8aeefece826731c3a8a5d6cc559081af5f8f966a3b888fc3",
            "chelsea_256x170.png 256 85 3cc83e7845339cca787a3e3a2e60728b4b300329f07727da716b72c820cd8fb6",
            "chelsea_256x170.png 128 170 b1989cb2597365d22ad1bad172c96080e6f6c1a9c6ab8435d52f47608bb0667e",
            "chelsea_256x170.png 224 224 6dc0bf91563885669e10db2df974826f6a40ebf0272db446417ffc3259bd578e",
            "chelsea_256x170.png 500 333 dce879d6574d5f0727b9df2a6bc35f3698673e288e5ee1f52b3433b365397cb3",
            "chelsea_256x170.png 1 1 b36679efed9a24d36e3bcc35c962388e437100a37ec901cb508be4499237f0eb",
            "chelsea_256x170.png 3 200 7b6aab1abf37ce5707197960f4f73a9e88ff96c138bce68f1a9404d7901bb590",
            "chelsea_256x170.png 255 169 749de8b6ef95918178c8af5de75290cc4218747204187929d1dcdda0071f6c7b",
            "chelsea_256x170.png 90 300 90eeb29793721843791d59e286e693ffec67c50cd4dddf373d68fbb48c0a46fb",
            "camera_gray_200x150.png 100 67 2e8be4c8ad7cabd5953901d919b091679e9a601561eb23124d4d7f5bed862043",
            "camera_gray_200x150.png 37 25 f6f2d843c02024f930222761320fd3119f45f1ddf09f47562922e3936f916a1d",
            "camera_gray_200x150.png 256 85 568883912983995843557f907fa07f9b73be2970d578ead92de3b86c8475eb99",
            "camera_gray_200x150.png 128 170 ff2fc7f137d68d1a03867734bc2f9bb29be371df869271645be2fc90bd11313f",
            "camera_gray_200x150.png 224 224 48b0b10cf95733bc08f54a8c6e3ce0a591020c8fa5b8aeeb25f9cd79969abb5d",
            "camera_gray_200x150.png 500 333 fd84363c75bdae64a683971ff950a6b05faa43121f55aaf60ef04554a290e326",
            "camera_gray_200x150.png 1 1 27cad5b4de3b312be439e049f4820be9f4f4623e82093c2cd021d07e0273e588",
            "camera_gray_200x150.png 3 200 fdef2c113f19f76a6f4ff0bbeaa014e93887d5c1408612353df2564fe907c201",
            "camera_gray_200x150.png 255 169 4dbd415848f17a98b167384282556acd0ccaae9ed7c7e8c26e8341713c31724f",
            "camera_gray_200x150.png 90 300 ee1f59745ff0b21e46c308e8acc6bbb50a0915ac02ee0562f5ff8b6409269d33",
            "coffee_256x171.jpg 100 67 49897f15678361fe4055c1aaedfe23597060411a13a19fa192a2190bb64bb4d9",
            "coffee_256x171.jpg 37 25 136420fe741be8eb7506db37c0a059fd55b16bb584befafe9cc4c51e6b4d74be",
            "coffee_256x171.jpg 256 85 ca9f228dcdfd7399bdd18ae30fa99e98261fa91a3c8f21fdf6125ae32f1cc4ed",
            "coffee_256x171.jpg 128 170 c12387bfa07eff60682bb9c65c611549f0c7cf7a3f320af8e19235f8322da57d",
            "coffee_256x171.jpg 224 224 64b085a7e7ef4d095992d4f83b7a565be3ccf1517aecd62f83283473376dc719",
            "coffee_256x171.jpg 500 333 14af5687a0a408493e50c534398dcfabfe62ce81a06dd9a2c012bf33764c9b73",
            "coffee_256x171.jpg 1 1 5c870105c006c645914c1649291ad74cf323bb610777274e7ae2584bb2f925c4",
            "coffee_256x171.jpg 3 200 4f0ebc504b5ccd4d7b1053392a98a5e4c2f1039a9c7c8a3bef1cacd878456fd3",
            "coffee_256x171.jpg 255 169 be37f2022180dbc0b00589ff67fa4cab193ce3a1584eeaf2b91f9145110a10f8",
            "coffee_256x171.jpg 90 300 d239705c2b1ae3ee36a2af5da049a74cce91bc3bbfe627825b3bd74895863c0b",
    };

    @Test
    void matchesPillowForShrinkingEnlargingAndOneAxis() throws Exception {
        Map<String, RgbImage> images = new HashMap<>();
        int mismatches = 0;
        StringBuilder which = new StringBuilder();
        for (String line : PILLOW) {
            String[] f = line.split(" ");
            RgbImage src = images.computeIfAbsent(f[0], n -> ImageDecoder.decode(Fixtures.path("clip-vision", "images", n)));
            RgbImage out = ImageResize.bicubic(src, Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            assertEquals(Integer.parseInt(f[1]), out.width());
            assertEquals(Integer.parseInt(f[2]), out.height());
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.rgb()));
            if (!sha.equals(f[3])) {
                mismatches++;
                which.append(f[0]).append(" -> ").append(f[1]).append('x').append(f[2]).append("; ");
            }
        }
        assertEquals(0, mismatches, which.toString());
    }

    @Test
    void constantImageStaysConstantAndSameSizeIsACopy() {
        byte[] rgb = new byte[7 * 5 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 250;
            rgb[i + 1] = 3;
            rgb[i + 2] = (byte) 128;
        }
        RgbImage in = new RgbImage(7, 5, rgb);
        for (int[] size : new int[][] {{3, 2}, {20, 13}, {7, 11}, {2, 5}}) {
            RgbImage out = ImageResize.bicubic(in, size[0], size[1]);
            for (int i = 0; i < out.rgb().length; i += 3) {
                assertEquals(250, out.rgb()[i] & 0xFF);
                assertEquals(3, out.rgb()[i + 1]);
                assertEquals(128, out.rgb()[i + 2] & 0xFF);
            }
        }
        RgbImage same = ImageResize.bicubic(in, 7, 5);
        assertArrayEquals(rgb, same.rgb());
        assertTrue(same.rgb() != rgb, "a copy, as Pillow returns");
        assertThrows(IllegalArgumentException.class, () -> ImageResize.bicubic(in, 0, 5));
    }

    @Test
    void overshootIsClippedNotWrapped() {
        // black | white step: the a = -0.5 kernel rings below 0 and above 255 next to the edge
        byte[] rgb = new byte[8 * 3];
        Arrays.fill(rgb, 12, 24, (byte) 255);
        RgbImage out = ImageResize.bicubic(new RgbImage(8, 1, rgb), 29, 1);
        for (int x = 0; x < 29; x++) {
            double centre = (x + 0.5) * 8 / 29;
            int v = out.get(x, 0, 0);
            if (centre < 3.0) assertEquals(0, v, "x=" + x);
            if (centre >= 5.0) assertEquals(255, v, "x=" + x);
        }
    }
}
