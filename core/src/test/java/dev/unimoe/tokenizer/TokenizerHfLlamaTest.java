package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** fixtures/tokenizer-llama/tokenizer.json against the 44 cases computed by HF tokenizers. */
class TokenizerHfLlamaTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.fromHfDirectory(LlamaCases.dir());
    }

    @TestFactory
    Stream<DynamicNode> cases() throws IOException {
        return CaseChecks.all(tok);
    }

    @Test
    void metadata() {
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertTrue(tok.addBos());
        assertEquals("▁Hello", tok.tokenString(22557));
        assertEquals("<0x0A>", tok.tokenString(13));
        assertEquals("<s>", tok.tokenString(1));
        assertTrue(tok.isSpecial(0) && tok.isSpecial(1) && tok.isSpecial(2));
        assertFalse(tok.isSpecial(13));
        assertEquals(null, tok.tokenString(32000));
    }

    @Test
    void theFileItselfCanBeGiven() {
        Tokenizer t = Tokenizer.fromHfDirectory(LlamaCases.dir().resolve("tokenizer.json"));
        assertEquals(tok.encode("Hello world", true).length, t.encode("Hello world", true).length);
    }
}
