package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unimoe.formats.Gguf;
import dev.unimoe.formats.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The GGUF-embedded SentencePiece tokenizer (llama.cpp's merge-by-score algorithm) on the same
 * 44 cases: once from metadata built here out of tokenizer.json with the fixtures' score rule,
 * once from fixtures/tokenizer-llama/vocab.gguf read by {@link Gguf}.
 */
class TokenizerGgufSpmTest {
    static Map<String, Object> meta;
    static Tokenizer fromBuiltMeta;
    static Tokenizer fromVocabGguf;
    static Map<String, Object> vocabGgufMeta;

    @BeforeAll
    static void load() throws IOException {
        meta = metadataFromTokenizerJson(LlamaCases.dir().resolve("tokenizer.json"));
        fromBuiltMeta = Tokenizer.fromGgufMetadata(meta, "built-from-tokenizer.json");
        Path gguf = LlamaCases.dir().resolve("vocab.gguf");
        try (Gguf g = Gguf.open(gguf)) {
            fromVocabGguf = Tokenizer.fromGgufMetadata(g.metadata(), gguf.toString());
            vocabGgufMeta = new HashMap<>(g.metadata());
        }
    }

    /**
     * llama.cpp-style metadata for the fixture vocabulary. Scores: −(index of the first merge
     * producing the token) for normal tokens some merge produces, 0 otherwise; types: 3 (control)
     * for ids 0–2, 6 (byte) for {@code <0xXX>}, 1 (normal) otherwise.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> metadataFromTokenizerJson(Path file) throws IOException {
        Map<String, Object> root = Json.parseObject(Files.readString(file), file.toString());
        Map<String, Object> model = (Map<String, Object>) root.get("model");
        Map<String, Object> vocab = (Map<String, Object>) model.get("vocab");
        String[] tokens = new String[vocab.size()];
        vocab.forEach((k, v) -> tokens[((BigDecimal) v).intValueExact()] = k);
        Map<String, Integer> firstMerge = new HashMap<>();
        List<Object> merges = (List<Object>) model.get("merges");
        for (int i = 0; i < merges.size(); i++) {
            String m = (String) merges.get(i);
            int sp = m.indexOf(' ');
            firstMerge.putIfAbsent(m.substring(0, sp) + m.substring(sp + 1), i);
        }
        float[] scores = new float[tokens.length];
        int[] types = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            boolean isByte = DecodeStep.ByteFallback.byteOf(tokens[id]) >= 0;
            types[id] = id <= 2 ? 3 : isByte ? 6 : 1;
            Integer first = firstMerge.get(tokens[id]);
            scores[id] = types[id] == 1 && first != null ? -first : 0f;
        }
        Map<String, Object> meta = new HashMap<>();
        meta.put("general.architecture", "llama");
        meta.put("tokenizer.ggml.model", "llama");
        meta.put("tokenizer.ggml.pre", "default");
        meta.put("tokenizer.ggml.tokens", tokens);
        meta.put("tokenizer.ggml.scores", scores);
        meta.put("tokenizer.ggml.token_type", types);
        meta.put("tokenizer.ggml.bos_token_id", 1L);
        meta.put("tokenizer.ggml.eos_token_id", 2L);
        meta.put("tokenizer.ggml.unknown_token_id", 0L);
        meta.put("tokenizer.ggml.add_bos_token", true);
        meta.put("tokenizer.ggml.add_eos_token", false);
        return meta;
    }

    @TestFactory
    Stream<DynamicNode> casesFromBuiltMetadata() throws IOException {
        return CaseChecks.all(fromBuiltMeta);
    }

    @TestFactory
    Stream<DynamicNode> casesFromVocabGguf() throws IOException {
        return CaseChecks.all(fromVocabGguf);
    }

    @Test
    void metadata() {
        for (Tokenizer t : List.of(fromBuiltMeta, fromVocabGguf)) {
            assertEquals(32000, t.vocabSize());
            assertEquals(1, t.bosId());
            assertEquals(2, t.eosId());
            assertTrue(t.addBos());
            assertEquals("▁Hello", t.tokenString(22557));
            assertTrue(t.isSpecial(1));
            assertFalse(t.isSpecial(13));
        }
    }

    /** The score and type rule used here is the one vocab.gguf was written with. */
    @Test
    void builtMetadataEqualsVocabGguf() {
        for (String k : List.of("tokenizer.ggml.tokens", "tokenizer.ggml.token_type")) {
            assertTrue(java.util.Objects.deepEquals(meta.get(k), vocabGgufMeta.get(k)), k);
        }
        float[] built = (float[]) meta.get("tokenizer.ggml.scores"), file = (float[]) vocabGgufMeta.get("tokenizer.ggml.scores");
        assertEquals(file.length, built.length);
        for (int i = 0; i < built.length; i++) assertTrue(built[i] == file[i], "score of id " + i); // -0.0 == 0.0
    }

    @Test
    void addBosAndEosFlagsAreHonoured() {
        Map<String, Object> m = new HashMap<>(meta);
        m.put("tokenizer.ggml.add_bos_token", false);
        m.put("tokenizer.ggml.add_eos_token", true);
        Tokenizer t = Tokenizer.fromGgufMetadata(m, "flags");
        assertFalse(t.addBos());
        assertEquals(List.of(22557, 1526, 2), java.util.Arrays.stream(t.encode("Hello world", true)).boxed().toList());
    }

    @Test
    void withoutSpacePrefix() {
        Map<String, Object> m = new HashMap<>(meta);
        m.put("tokenizer.ggml.add_space_prefix", false);
        Tokenizer t = Tokenizer.fromGgufMetadata(m, "no-prefix");
        int[] ids = t.encode("Hello world", false);
        assertEquals("Hello", t.tokenString(ids[0]));
        assertEquals("Hello world", t.decode(ids, false));
    }
}
