package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;

/** The per-case checks shared by the tokenizer.json and the GGUF-vocabulary tests. */
final class CaseChecks {
    private CaseChecks() {}

    static Stream<DynamicNode> all(Tokenizer t) throws IOException {
        return LlamaCases.load().stream().map(c -> dynamicContainer(c.name(), checks(t, c)));
    }

    static Stream<DynamicNode> checks(Tokenizer t, LlamaCases c) {
        return Stream.of(
                dynamicTest("encode with special", () ->
                        assertArrayEquals(c.idsWithSpecial(), t.encode(c.text(), true), c.text())),
                dynamicTest("encode without special", () ->
                        assertArrayEquals(c.idsWithoutSpecial(), t.encode(c.text(), false), c.text())),
                dynamicTest("decode with special", () ->
                        assertEquals(c.decodeWithSpecial(), t.decode(c.idsWithSpecial(), false))),
                dynamicTest("decode skipping special", () ->
                        assertEquals(c.decodeSkipSpecial(), t.decode(c.idsWithSpecial(), true))),
                dynamicTest("decode of ids without special", () ->
                        assertEquals(c.decodeOfIdsWithoutSpecial(), t.decode(c.idsWithoutSpecial(), false))),
                dynamicTest("stream decode equals decode", () -> {
                    assertEquals(c.decodeWithSpecial(), LlamaCases.streamDecode(t, c.idsWithSpecial(), false));
                    assertEquals(c.decodeSkipSpecial(), LlamaCases.streamDecode(t, c.idsWithSpecial(), true));
                    assertEquals(c.decodeOfIdsWithoutSpecial(),
                            LlamaCases.streamDecode(t, c.idsWithoutSpecial(), false));
                }));
    }
}
