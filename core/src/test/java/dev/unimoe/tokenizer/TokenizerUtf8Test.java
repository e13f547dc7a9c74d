package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Lossy UTF-8 decoding with one U+FFFD per maximal ill-formed subpart (Rust's from_utf8_lossy). */
class TokenizerUtf8Test {

    private static String lossy(byte[] b) {
        StringBuilder out = new StringBuilder();
        Utf8.decode(b, 0, b.length, true, out);
        return out.toString();
    }

    /** Expected values from Python's {@code bytes.decode('utf-8', 'replace')}, which uses the same rule. */
    @Test
    void replacementTable() {
        String[][] cases = {
            {"41", "A"}, {"80", "\uFFFD"}, {"c0af", "\uFFFD\uFFFD"}, {"c280", "\u0080"}, {"c2", "\uFFFD"},
            {"c241", "\uFFFDA"}, {"e0a080", "\u0800"}, {"e0809f", "\uFFFD\uFFFD\uFFFD"}, {"e080", "\uFFFD\uFFFD"},
            {"eda3", "\uFFFD\uFFFD"}, {"ed9fbf", "\uD7FF"}, {"edbfbf", "\uFFFD\uFFFD\uFFFD"},
            {"f09f9880", "\uD83D\uDE00"}, {"f09f98", "\uFFFD"}, {"f0", "\uFFFD"},
            {"f4908080", "\uFFFD\uFFFD\uFFFD\uFFFD"}, {"f48fbfbf", "\uDBFF\uDFFF"}, {"f5", "\uFFFD"}, {"ff", "\uFFFD"},
            {"d641eaeda3", "\uFFFDA\uFFFD\uFFFD\uFFFD"}, {"e282ac", "\u20AC"}, {"e282", "\uFFFD"},
            {"e2828241", "\u2082A"}, {"f0f09f9880", "\uFFFD\uD83D\uDE00"}, {"c3a9e282", "\u00E9\uFFFD"},
        };
        for (String[] c : cases) assertEquals(c[1], lossy(HexFormat.of().parseHex(c[0])), c[0]);
    }

    @Test
    void validityAgreesWithJdkStrictDecoder() {
        Random r = new Random(1);
        for (int iter = 0; iter < 20_000; iter++) {
            byte[] b = new byte[r.nextInt(9)];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(128) : 0x80 + r.nextInt(128));
            boolean jdkValid;
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
                jdkValid = true;
            } catch (CharacterCodingException e) {
                jdkValid = false;
            }
            assertEquals(jdkValid, Utf8.isValid(b, 0, b.length), () -> HexFormat.of().formatHex(b));
            if (jdkValid) assertEquals(new String(b, StandardCharsets.UTF_8), lossy(b));
        }
    }

    @Test
    void incompleteTailIsHeldUnlessLast() {
        byte[] b = {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x98};
        StringBuilder out = new StringBuilder();
        assertEquals(1, Utf8.decode(b, 0, b.length, false, out));
        assertEquals("a", out.toString());
        assertEquals("a\uFFFD", lossy(b));
    }
}
