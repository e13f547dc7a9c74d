package dev.unimoe.formats;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a HF {@code tokenizer.json} (+ {@code tokenizer_config.json}, {@code config.json}) into
 * llama.cpp's {@code tokenizer.ggml.*} metadata.
 *
 * <ul>
 *   <li>SentencePiece-style BPE ({@code byte_fallback}, {@code ▁} normalizer; LLaMA/Mistral):
 *       {@code tokenizer.ggml.model = "llama"}, {@code pre = "default"}, tokens, scores and
 *       token types. Scores: −(index of the first merge whose result is the token) for normal
 *       tokens a merge produces, 0 for every other token (the rule the fixtures' vocab.gguf uses,
 *       so llama.cpp's score-driven merging agrees with {@code tokenizers}). Types: 3 (control)
 *       for special added tokens (also {@code <unk>}, as llama.cpp's converter does for an
 *       added special unk), 4 (user-defined) for other added tokens, 6 (byte) for
 *       {@code <0xXX>}, 5 (unused) for padding ids, else 1 (normal).</li>
 *   <li>Byte-level BPE (GPT-2/Qwen): {@code model = "gpt2"}, tokens, token types and
 *       {@code tokenizer.ggml.merges} ("a b" strings); {@code pre} is "qwen2" or "llama-bpe"
 *       when the pre-tokenizer's split regex looks like theirs, else "default".</li>
 * </ul>
 * Special ids come from tokenizer_config.json's {@code bos_token}/{@code eos_token}/
 * {@code unk_token}/{@code pad_token} (string or {content}) looked up in the vocabulary, falling
 * back to config.json's {@code *_token_id}; {@code add_bos_token}/{@code add_eos_token} are copied
 * from tokenizer_config.json when present.
 */
public final class GgufVocab {
    private GgufVocab() {}

    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** True when the folder has a tokenizer.json. */
    public static boolean present(Path dir) {
        return dir != null && Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /**
     * Adds the tokenizer of {@code dir} to {@code w}. The token list is padded with
     * {@code [PADn]} entries up to {@code vocabSize}; with {@code exact}, any size difference is
     * an error instead. A tokenizer with more tokens than {@code vocabSize} is always an error.
     */
    public static void write(GgufWriter w, Path dir, int vocabSize, boolean exact, PrintStream log) {
        Path tjPath = dir.resolve("tokenizer.json");
        String tjSrc = tjPath.toString();
        JsonFields tj = JsonFields.read(tjPath);
        JsonFields model = tj.getObject("model");
        String type = model.getString("type", "BPE");
        if (!type.equals("BPE")) {
            throw new FormatException(tjSrc, "model.type", "\"BPE\" (SentencePiece-style or byte-level BPE), found \"" + type + "\"");
        }
        boolean byteFallback = model.getBool("byte_fallback", false);
        boolean spm = byteFallback || mentions(tj.map().get("normalizer"), "▁") || mentions(tj.map().get("pre_tokenizer"), "Metaspace")
                || mentions(tj.map().get("decoder"), "▁");
        boolean byteLevel = mentions(tj.map().get("pre_tokenizer"), "ByteLevel") || mentions(tj.map().get("decoder"), "ByteLevel");
        if (!spm && !byteLevel) {
            throw new FormatException(tjSrc, "model", "a SentencePiece-style BPE (byte_fallback / ▁ normalizer) or a byte-level (GPT-2) BPE tokenizer");
        }

        // ---- ids
        Map<String, Integer> ids = new HashMap<>();
        JsonFields vocab = model.getObject("vocab");
        int maxId = -1;
        for (var e : vocab.map().entrySet()) {
            int id = tokenId(e.getValue(), tjSrc, "model.vocab[\"" + e.getKey() + "\"]");
            ids.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        List<Object> added = tj.has("added_tokens") ? tj.getList("added_tokens") : List.of();
        for (int k = 0; k < added.size(); k++) {
            JsonFields a = object(added.get(k), tjSrc, "added_tokens[" + k + "]");
            int id = a.getInt("id");
            if (id < 0) throw new FormatException(tjSrc, "added_tokens[" + k + "].id", "a non-negative id, found " + id);
            maxId = Math.max(maxId, id);
        }
        int n = maxId + 1;
        if (n > vocabSize || (exact && n != vocabSize)) {
            throw new FormatException(tjSrc, "model.vocab", (exact ? "exactly " : "at most ") + vocabSize
                    + " tokens (the model's vocab_size), found " + n);
        }
        String[] tokens = new String[vocabSize];
        int[] types = new int[vocabSize];
        for (var e : ids.entrySet()) {
            tokens[e.getValue()] = e.getKey();
            types[e.getValue()] = NORMAL;
        }
        for (int k = 0; k < added.size(); k++) {
            JsonFields a = object(added.get(k), tjSrc, "added_tokens[" + k + "]");
            int id = a.getInt("id");
            String content = a.getString("content");
            tokens[id] = content;
            ids.put(content, id);
            types[id] = a.getBool("special", false) ? CONTROL : USER_DEFINED;
        }
        int pads = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
                pads++;
            }
        }
        if (pads > 0 && log != null) log.println("note: tokenizer has " + (vocabSize - pads) + " tokens; padded to vocab_size " + vocabSize);
        if (spm) {
            for (int i = 0; i < vocabSize; i++) if (types[i] == NORMAL && isByteToken(tokens[i])) types[i] = BYTE;
        }

        // ---- merges
        List<Object> mergeList = model.has("merges") ? model.getList("merges") : List.of();
        String[] merges = new String[mergeList.size()];
        for (int k = 0; k < merges.length; k++) {
            Object m = mergeList.get(k);
            if (m instanceof String s) {
                if (s.indexOf(' ') <= 0) throw new FormatException(tjSrc, "model.merges[" + k + "]", "\"left right\", found \"" + s + "\"");
                merges[k] = s;
            } else if (m instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
                merges[k] = a + " " + b;
            } else {
                throw new FormatException(tjSrc, "model.merges[" + k + "]", "a \"left right\" string or a [left, right] pair");
            }
        }

        w.putString("tokenizer.ggml.model", spm ? "llama" : "gpt2");
        w.putString("tokenizer.ggml.pre", spm ? "default" : preTokenizer(tj, log));
        w.putArray("tokenizer.ggml.tokens", GgufType.STRING, tokens);
        if (spm) {
            float[] scores = new float[vocabSize];
            boolean[] scored = new boolean[vocabSize];
            for (int k = 0; k < merges.length; k++) {
                String s = merges[k];
                int sp = s.indexOf(' ');
                Integer id = ids.get(s.substring(0, sp) + s.substring(sp + 1));
                if (id != null && types[id] == NORMAL && !scored[id]) {
                    scored[id] = true;
                    scores[id] = -(float) k;
                }
            }
            w.putArray("tokenizer.ggml.scores", GgufType.FLOAT32, scores);
        }
        w.putArray("tokenizer.ggml.token_type", GgufType.INT32, types);
        if (!spm) w.putArray("tokenizer.ggml.merges", GgufType.STRING, merges);

        // ---- special tokens
        Path tcPath = dir.resolve("tokenizer_config.json");
        JsonFields tc = Files.isRegularFile(tcPath)
                ? JsonFields.read(tcPath)
                : new JsonFields(Map.of(), tcPath.toString());
        Path cfPath = dir.resolve("config.json");
        JsonFields cf = Files.isRegularFile(cfPath)
                ? JsonFields.read(cfPath)
                : new JsonFields(Map.of(), cfPath.toString());
        String unkDefault = model.has("unk_token") ? model.getString("unk_token") : null;
        special(w, "bos", tc, cf, ids, null, vocabSize);
        special(w, "eos", tc, cf, ids, null, vocabSize);
        special(w, "unk", tc, cf, ids, unkDefault, vocabSize);
        special(w, "pad", tc, cf, ids, null, vocabSize);
        if (tc.has("add_bos_token")) w.putBool("tokenizer.ggml.add_bos_token", tc.getBool("add_bos_token", false));
        if (tc.has("add_sep_token")) {
            w.putBool("tokenizer.ggml.add_sep_token", tc.getBool("add_sep_token", false));
        } else if (tj.map().get("post_processor") instanceof Map<?, ?> pp && "TemplateProcessing".equals(pp.get("type"))) {
            w.putBool("tokenizer.ggml.add_sep_token", false);
        }
        if (tc.has("add_eos_token")) w.putBool("tokenizer.ggml.add_eos_token", tc.getBool("add_eos_token", false));
        if (tc.map().get("chat_template") instanceof String t) w.putString("tokenizer.chat_template", t);
    }

    private static void special(GgufWriter w, String kind, JsonFields tc, JsonFields cf, Map<String, Integer> ids, String dflt, int vocabSize) {
        String content = null;
        Object v = tc.map().get(kind + "_token");
        if (v instanceof String s) content = s;
        else if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) content = s;
        if (content == null) content = dflt;
        Integer id = content != null ? ids.get(content) : null;
        if (id == null && cf.map().get(kind + "_token_id") instanceof BigDecimal d && d.signum() >= 0 && d.scale() <= 0
                && d.intValue() < vocabSize) {
            id = d.intValue();
        }
        String key = "tokenizer.ggml." + (kind.equals("unk") ? "unknown" : kind.equals("pad") ? "padding" : kind) + "_token_id";
        if (id != null) w.putU32(key, id);
    }

    private static String preTokenizer(JsonFields tj, PrintStream log) {
        String s = Json.write(tj.map().get("pre_tokenizer"));
        if (s.contains("\\\\p{N}{1,3}")) return "llama-bpe";
        if (s.contains("\\\\p{N}")) return "qwen2";
        if (log != null) log.println("note: byte-level tokenizer with an unrecognised pre-tokenizer; writing tokenizer.ggml.pre = \"default\"");
        return "default";
    }

    static boolean isByteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return false;
        return hex(t.charAt(3)) && hex(t.charAt(4));
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    }

    /** True when {@code needle} appears anywhere in a parsed JSON value (keys or strings). */
    private static boolean mentions(Object json, String needle) {
        return switch (json) {
            case null -> false;
            case String s -> s.contains(needle);
            case Map<?, ?> m -> {
                for (var e : m.entrySet()) if (mentions(e.getValue(), needle)) yield true;
                yield false;
            }
            case List<?> l -> {
                for (Object o : l) if (mentions(o, needle)) yield true;
                yield false;
            }
            default -> false;
        };
    }

    private static int tokenId(Object v, String src, String field) {
        if (v instanceof BigDecimal d && d.signum() >= 0 && d.scale() <= 0 && d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE - 8)) < 0) {
            return d.intValueExact();
        }
        throw new FormatException(src, field, "a non-negative integer token id, found " + v);
    }

    @SuppressWarnings("unchecked")
    private static JsonFields object(Object v, String src, String field) {
        if (v instanceof Map<?, ?> m) return new JsonFields((Map<String, Object>) m, src);
        throw new FormatException(src, field, "an object");
    }
}
