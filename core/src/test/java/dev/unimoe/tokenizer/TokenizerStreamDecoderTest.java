package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streaming on the SentencePiece-style fixture: byte runs, the leading space, special tokens. */
class TokenizerStreamDecoderTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.fromHfDirectory(LlamaCases.dir());
    }

    private static List<String> pieces(int[] ids, boolean skip) {
        StreamDecoder d = tok.streamDecoder(skip);
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(d.accept(id));
        out.add(d.flush());
        return out;
    }

    @Test
    void leadingSpaceIsStrippedOnceAndTextFlowsPerToken() {
        int[] ids = tok.encode("Hello world", true); // <s> ▁Hello ▁world
        assertEquals(List.of("<s>", " Hello", " world", ""), pieces(ids, false));
        assertEquals(List.of("", "Hello", " world", ""), pieces(ids, true));
    }

    @Test
    void byteTokensAreHeldUntilTheRunEnds() {
        int[] ids = tok.encode("🦀 x", false); // ▁ <0xF0> <0x9F> <0xA6> <0x80> ▁x
        assertEquals(6, ids.length);
        assertEquals(List.of("", "", "", "", "", "🦀 x", ""), pieces(ids, false));
        int[] tail = java.util.Arrays.copyOf(ids, 5); // the run ends the input: released by flush
        assertEquals(List.of("", "", "", "", "", "🦀"), pieces(tail, false));
    }

    @Test
    void invalidByteRunsBecomeOneReplacementPerByte() {
        int[] ids = {28705, 243, 162, 264}; // ▁ <0xF0> <0x9F> ▁a : truncated 4-byte sequence
        String expected = "\uFFFD\uFFFD a";
        assertEquals(expected, tok.decode(ids, false));
        assertEquals(expected, LlamaCases.streamDecode(tok, ids, false));
        assertEquals("\uFFFD", tok.decode(new int[] {0x80 - 0x00 + 3}, false)); // <0x80> alone
    }

    @Test
    void decoderIsReusableAfterFlush() {
        StreamDecoder d = tok.streamDecoder(false);
        d.accept(22557);
        assertEquals("", d.flush());
        assertEquals("Hello", d.accept(22557)); // a new sequence: its leading space is stripped again
    }

    @Test
    void unknownIdsAreIgnored() {
        assertEquals("Hello", tok.decode(new int[] {-5, 22557, 99999}, false));
    }
}
