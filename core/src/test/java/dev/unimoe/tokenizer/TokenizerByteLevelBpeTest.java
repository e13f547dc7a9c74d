package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unimoe.formats.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2/Qwen2-style byte-level BPE on a small hand-written tokenizer.json: the 256 byte
 * characters, a dozen merges, Qwen2's split regex, NFC, ByteLevel decoder and added tokens.
 */
class TokenizerByteLevelBpeTest {
    static final String[] MERGES = {
        "Ġ t", "h e", "l l", "ll o", "H e", "He llo", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "Ġt he"};
    static final String QWEN2_SPLIT = GgufTokenizerLoader.QWEN2_REGEX;

    @TempDir
    Path tmp;

    /** Vocab: the byte alphabet (ids 0–255 in byte order), then merge results, then added tokens. */
    static List<String> vocab() {
        List<String> v = new ArrayList<>();
        for (int b = 0; b < 256; b++) v.add(byteChar(b));
        for (String m : MERGES) v.add(m.replace(" ", ""));
        return v;
    }

    static String byteChar(int b) {
        for (int c = 0; c < 0x200; c++) if (ByteLevelAlphabet.byteOf(c) == b) return String.valueOf((char) c);
        throw new AssertionError();
    }

    static final int ENDOFTEXT = 268, IM_START = 269, IM_END = 270;

    static Map<String, Object> added(int id, String content, boolean special) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("content", content);
        m.put("single_word", false);
        m.put("lstrip", false);
        m.put("rstrip", false);
        m.put("normalized", false);
        m.put("special", special);
        return m;
    }

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    Tokenizer write(boolean pairMerges, Map<String, Object> postProcessor) throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<String> v = vocab();
        for (int i = 0; i < v.size(); i++) vocab.put(v.get(i), i);
        List<Object> merges = new ArrayList<>();
        for (String m : MERGES) merges.add(pairMerges ? List.of(m.split(" ")) : m);
        Map<String, Object> root = obj(
                "version", "1.0",
                "added_tokens", List.of(added(ENDOFTEXT, "<|endoftext|>", true), added(IM_START, "<|im_start|>", true),
                        added(IM_END, "<|im_end|>", true)),
                "normalizer", obj("type", "NFC"),
                "pre_tokenizer", obj("type", "Sequence", "pretokenizers", List.of(
                        obj("type", "Split", "pattern", obj("Regex", QWEN2_SPLIT), "behavior", "Isolated", "invert", false),
                        obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false))),
                "post_processor", postProcessor,
                "decoder", obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false),
                "model", obj("type", "BPE", "dropout", null, "unk_token", null, "continuing_subword_prefix", null,
                        "end_of_word_suffix", null, "fuse_unk", false, "byte_fallback", false, "ignore_merges", false,
                        "vocab", vocab, "merges", merges));
        Files.writeString(tmp.resolve("tokenizer.json"), Json.write(root));
        return Tokenizer.fromHfDirectory(tmp);
    }

    Tokenizer plain() throws IOException {
        return write(false, obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false));
    }

    @Test
    void mergesByRank() throws IOException {
        Tokenizer t = plain();
        assertArrayEquals(new int[] {261, 266}, t.encode("Hello world", false)); // Hello, Ġworld
        assertArrayEquals(new int[] {267}, t.encode(" the", false));
        assertEquals("Ġworld", t.tokenString(266));
        assertEquals(-1, t.bosId());
        assertFalse(t.addBos());
    }

    @Test
    void pairMergesAreTheSameModel() throws IOException {
        Tokenizer a = plain();
        Tokenizer b = write(true, null);
        for (String s : List.of("Hello world", "the other world", "héllo wörld 😀\n\n  x")) {
            assertArrayEquals(a.encode(s, false), b.encode(s, false), s);
        }
    }

    @Test
    void roundTripsAnyText() throws IOException {
        Tokenizer t = plain();
        for (String s : List.of("", " ", "Hello world", "  two  spaces\n\ttab", "café naïve", "中文分词",
                "I ❤️ 🦀 and 👨\u200d👩\u200d👧", "line1\r\nline2\n", "x's it'LL 123456", "a\u0000b")) {
            int[] ids = t.encode(s, false);
            assertEquals(s, t.decode(ids, false), s);
            assertEquals(s, LlamaCases.streamDecode(t, ids, false), s);
        }
    }

    @Test
    void nfcIsApplied() throws IOException {
        Tokenizer t = plain();
        // "e" + combining acute becomes the single character é (bytes C3 A9)
        assertArrayEquals(new int[] {0xC3, 0xA9}, t.encode("e\u0301", false));
    }

    @Test
    void regexSplitsWords() throws IOException {
        Tokenizer t = plain();
        // Qwen2 splits digits one by one and keeps " world" as one word
        int[] ids = t.encode("12 world", false);
        assertArrayEquals(new int[] {'1', '2', 266}, ids);
    }

    @Test
    void specialTokens() throws IOException {
        Tokenizer t = plain();
        String chat = "<|im_start|>user\nHello world<|im_end|><|endoftext|>";
        int[] ids = t.encode(chat, false);
        assertEquals(IM_START, ids[0]);
        assertEquals(ENDOFTEXT, ids[ids.length - 1]);
        assertEquals(IM_END, ids[ids.length - 2]);
        assertEquals(chat, t.decode(ids, false));
        assertEquals("user\nHello world", t.decode(ids, true));
        assertTrue(t.isSpecial(IM_END));
        assertEquals(271, t.vocabSize());
    }

    @Test
    void templatePostProcessor() throws IOException {
        Map<String, Object> tp = obj("type", "TemplateProcessing",
                "single", List.of(obj("SpecialToken", obj("id", "<|im_start|>", "type_id", 0)),
                        obj("Sequence", obj("id", "A", "type_id", 0)),
                        obj("SpecialToken", obj("id", "<|endoftext|>", "type_id", 0))),
                "pair", List.of(),
                "special_tokens", obj("<|im_start|>", obj("id", "<|im_start|>", "ids", List.of(IM_START), "tokens", List.of("<|im_start|>")),
                        "<|endoftext|>", obj("id", "<|endoftext|>", "ids", List.of(ENDOFTEXT), "tokens", List.of("<|endoftext|>"))));
        Map<String, Object> seq = obj("type", "Sequence", "processors", List.of(
                obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false), tp));
        Tokenizer t = write(false, seq);
        assertArrayEquals(new int[] {IM_START, 261, ENDOFTEXT}, t.encode("Hello", true));
        assertArrayEquals(new int[] {261}, t.encode("Hello", false));
        assertEquals(IM_START, t.bosId());
        assertEquals(ENDOFTEXT, t.eosId());
        assertTrue(t.addBos());
    }

    @Test
    void streamHoldsIncompleteUtf8() throws IOException {
        Tokenizer t = plain();
        int[] ids = t.encode("😀!", false); // F0 9F 98 80 then '!'
        assertEquals(5, ids.length);
        StreamDecoder d = t.streamDecoder(false);
        assertEquals("", d.accept(ids[0]));
        assertEquals("", d.accept(ids[1]));
        assertEquals("", d.accept(ids[2]));
        assertEquals("😀", d.accept(ids[3]));
        assertEquals("!", d.accept(ids[4]));
        assertEquals("", d.flush());
    }

    @Test
    void invalidBytesBecomeReplacementChars() throws IOException {
        Tokenizer t = plain();
        // lone continuation byte, then a truncated 3-byte sequence at the end
        int[] ids = {0x80, 'a', 0xE2, 0x82};
        assertEquals("\uFFFDa\uFFFD", t.decode(ids, false));
        assertEquals("\uFFFDa\uFFFD", LlamaCases.streamDecode(t, ids, false));
        StreamDecoder d = t.streamDecoder(false);
        assertEquals("\uFFFD", d.accept(0x80));
        assertEquals("a", d.accept('a'));
        assertEquals("", d.accept(0xE2));
        assertEquals("", d.accept(0x82));
        assertEquals("\uFFFD", d.flush());
    }

    /** The same vocabulary as GGUF "gpt2" metadata gives the same ids. */
    @Test
    void ggufGpt2Metadata() throws IOException {
        Tokenizer hf = plain();
        List<String> v = new ArrayList<>(vocab());
        v.add("<|endoftext|>");
        v.add("<|im_start|>");
        v.add("<|im_end|>");
        int[] types = new int[v.size()];
        java.util.Arrays.fill(types, GgufTokenizerLoader.NORMAL);
        types[ENDOFTEXT] = types[IM_START] = types[IM_END] = GgufTokenizerLoader.CONTROL;
        Map<String, Object> meta = new HashMap<>();
        meta.put("tokenizer.ggml.model", "gpt2");
        meta.put("tokenizer.ggml.pre", "qwen2");
        meta.put("tokenizer.ggml.tokens", v.toArray(String[]::new));
        meta.put("tokenizer.ggml.token_type", types);
        meta.put("tokenizer.ggml.merges", MERGES);
        meta.put("tokenizer.ggml.eos_token_id", (long) ENDOFTEXT);
        Tokenizer g = Tokenizer.fromGgufMetadata(meta, "gpt2-meta");
        for (String s : List.of("Hello world", "<|im_start|>user\nthe world 😀<|im_end|>", "e\u0301 12")) {
            assertArrayEquals(hf.encode(s, false), g.encode(s, false), s);
            assertArrayEquals(hf.encode(s, false), g.encode(s, true), s); // no BOS by default for gpt2
            int[] ids = g.encode(s, false);
            assertEquals(hf.decode(ids, false), g.decode(ids, false));
            assertEquals(hf.decode(ids, true), g.decode(ids, true));
        }
        assertEquals(ENDOFTEXT, g.eosId());
        assertEquals(-1, g.bosId());
    }
}
