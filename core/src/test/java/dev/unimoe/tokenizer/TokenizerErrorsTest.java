package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unimoe.formats.FormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files and metadata fail with a FormatException naming the file and the field. */
class TokenizerErrorsTest {
    @TempDir
    Path tmp;

    static final String MODEL = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}";

    private FormatException loadFails(String json) throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, json);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.fromHfDirectory(tmp));
        assertMentions(e, f.toString());
        return e;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), () -> "\"" + p + "\" not in: " + e.getMessage());
    }

    @Test
    void validMinimalFileLoads() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), "{" + MODEL + "}");
        Tokenizer t = Tokenizer.fromHfDirectory(tmp);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 0}, t.encode("aba", false));
    }

    @Test
    void missingFile() {
        Path dir = tmp.resolve("no-such-model");
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.fromHfDirectory(dir));
        assertMentions(e, dir.resolve("tokenizer.json").toString());
    }

    @Test
    void truncatedJson() throws IOException {
        String full = Files.readString(LlamaCases.dir().resolve("tokenizer.json"));
        assertMentions(loadFails(full.substring(0, 5000)), "JSON at line");
    }

    @Test
    void invalidJson() throws IOException {
        assertMentions(loadFails("{\"model\": }"), "JSON at line 1");
    }

    @Test
    void rootIsNotAnObject() throws IOException {
        assertMentions(loadFails("[1, 2]"), "(root)", "an object");
    }

    @Test
    void missingModel() throws IOException {
        assertMentions(loadFails("{\"normalizer\": null}"), "model", "present");
    }

    @Test
    void mergeNamingUnknownToken() throws IOException {
        String json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\", \"ab c\"]}}";
        assertMentions(loadFails(json), "model.merges[1]", "\"c\"");
    }

    @Test
    void mergeWhoseResultIsNotInVocab() throws IOException {
        String json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [[\"a\", \"b\"]]}}";
        assertMentions(loadFails(json), "model.merges[0]", "\"ab\"");
    }

    @Test
    void malformedMerge() throws IOException {
        String json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b c\"]}}";
        assertMentions(loadFails(json), "model.merges[0]", "one space");
    }

    @Test
    void unsupportedModelType() throws IOException {
        String json = "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]], \"unk_id\": 0}}";
        assertMentions(loadFails(json), "model.type", "Unigram");
    }

    @Test
    void unsupportedNormalizer() throws IOException {
        String json = "{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Precompiled\", "
                + "\"precompiled_charsmap\": \"\"}]}, " + MODEL + "}";
        assertMentions(loadFails(json), "normalizer.normalizers[0].type", "Precompiled");
    }

    @Test
    void unsupportedPreTokenizerAndDecoder() throws IOException {
        assertMentions(loadFails("{\"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}, " + MODEL + "}"),
                "pre_tokenizer.type", "UnicodeScripts");
        assertMentions(loadFails("{\"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\"}, " + MODEL + "}"),
                "decoder.type", "WordPiece");
    }

    @Test
    void badFieldTypes() throws IOException {
        assertMentions(loadFails("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}}"),
                "model.vocab.a", "an integer");
        assertMentions(loadFails("{\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, \"content\": \"x\"}, "
                + MODEL + "}"), "normalizer.pattern.Regex", "regular expression");
        assertMentions(loadFails("{\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": "
                + "[{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}], \"special_tokens\": {}}, " + MODEL + "}"),
                "post_processor.special_tokens.<s>");
    }

    @Test
    void badConfig() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"yes\"}");
        Files.writeString(tmp.resolve("tokenizer.json"), "{" + MODEL + "}");
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.fromHfDirectory(tmp));
        assertMentions(e, tmp.resolve("tokenizer_config.json").toString(), "add_bos_token", "true or false");
    }

    private static Map<String, Object> ggufMeta() {
        Map<String, Object> m = new HashMap<>();
        m.put("tokenizer.ggml.model", "llama");
        m.put("tokenizer.ggml.tokens", new String[] {"<unk>", "a", "b", "ab"});
        m.put("tokenizer.ggml.scores", new float[] {0, 0, 0, -1});
        m.put("tokenizer.ggml.token_type", new int[] {2, 1, 1, 1});
        return m;
    }

    @Test
    void ggufErrors() {
        Map<String, Object> ok = ggufMeta();
        // "▁" is not a token and there are no byte tokens: its 3 UTF-8 bytes become <unk>
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 0, 0, 3},
                Tokenizer.fromGgufMetadata(ok, "m.gguf").encode("ab", false));

        Map<String, Object> m = ggufMeta();
        m.put("tokenizer.ggml.model", "t5");
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(m, "m.gguf")),
                "m.gguf", "tokenizer.ggml.model", "t5");

        Map<String, Object> noTokens = ggufMeta();
        noTokens.remove("tokenizer.ggml.tokens");
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(noTokens, "m.gguf")),
                "m.gguf", "tokenizer.ggml.tokens", "present");

        Map<String, Object> badScores = ggufMeta();
        badScores.put("tokenizer.ggml.scores", new float[] {0, 0});
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(badScores, "m.gguf")),
                "tokenizer.ggml.scores", "4 entries");

        Map<String, Object> badType = ggufMeta();
        badType.put("tokenizer.ggml.token_type", "normal");
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(badType, "m.gguf")),
                "tokenizer.ggml.token_type", "array of integers");

        Map<String, Object> badBos = ggufMeta();
        badBos.put("tokenizer.ggml.bos_token_id", 99L);
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(badBos, "m.gguf")),
                "tokenizer.ggml.bos_token_id", "below 4");

        Map<String, Object> badMerge = ggufMeta();
        badMerge.put("tokenizer.ggml.model", "gpt2");
        badMerge.put("tokenizer.ggml.merges", new String[] {"a b", "ab c"});
        assertMentions(assertThrows(FormatException.class, () -> Tokenizer.fromGgufMetadata(badMerge, "m.gguf")),
                "tokenizer.ggml.merges[1]", "\"c\"");
    }
}
