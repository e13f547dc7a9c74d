package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata. "llama" vocabularies use
 * llama.cpp's SentencePiece merge-by-score algorithm; "gpt2" ones byte-level BPE with the
 * {@code merges} list and the split regex named by {@code tokenizer.ggml.pre}. Decoding follows
 * HF (what the same model's tokenizer.json would produce).
 */
final class GgufTokenizerLoader {
    // llama.cpp token types
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private GgufTokenizerLoader() {}

    static Tokenizer load(Map<String, Object> meta, String source) {
        Meta m = new Meta(meta, source);
        String kind = m.string("tokenizer.ggml.model");
        String[] tokens = m.strings("tokenizer.ggml.tokens");
        int n = tokens.length;
        int[] types = m.has("tokenizer.ggml.token_type") ? m.ints("tokenizer.ggml.token_type", n) : null;
        Vocab vocab = new Vocab(tokens);

        int bos = m.tokenId("tokenizer.ggml.bos_token_id", n);
        int eos = m.tokenId("tokenizer.ggml.eos_token_id", n);
        int unk = m.tokenId("tokenizer.ggml.unknown_token_id", n);

        // control and user-defined tokens are matched in the input like HF added tokens
        List<AddedToken> added = new ArrayList<>();
        if (types != null) {
            for (int i = 0; i < n; i++) {
                int t = types[i];
                if (t == CONTROL || t == UNKNOWN || t == USER_DEFINED) {
                    added.add(new AddedToken(i, tokens[i], tokens[i], false, false, false, false, t != USER_DEFINED));
                }
            }
        }

        return switch (kind) {
            case "llama" -> {
                float[] scores = m.has("tokenizer.ggml.scores") ? m.floats("tokenizer.ggml.scores", n) : new float[n];
                if (unk < 0) unk = vocab.id("<unk>");
                boolean spacePrefix = m.bool("tokenizer.ggml.add_space_prefix", true);
                List<Normalizer> norm = new ArrayList<>();
                if (spacePrefix) norm.add(new Normalizer.Prepend("▁"));
                norm.add(new Normalizer.Replace(TextPattern.literal(" "), "▁"));
                List<DecodeStep> decoder = new ArrayList<>(List.of(
                        new DecodeStep.Replace(TextPattern.literal("▁"), " "),
                        new DecodeStep.ByteFallback(), new DecodeStep.Fuse()));
                if (spacePrefix) decoder.add(new DecodeStep.Strip(' ', 1, 0));
                SpecialTemplate template = template(m, bos, eos, true);
                yield new Tokenizer(new SpmModel(vocab, scores, unk), added, new Normalizer.Sequence(norm), null,
                        template, decoder, bos, eos);
            }
            case "gpt2" -> {
                String[] mergeList = m.strings("tokenizer.ggml.merges");
                PairMap merges = new PairMap(mergeList.length);
                for (int r = 0; r < mergeList.length; r++) {
                    String field = "tokenizer.ggml.merges[" + r + "]";
                    String[] parts = mergeList[r].split(" ", -1);
                    if (parts.length != 2) {
                        throw new FormatException(source, field, "\"left right\" with exactly one space, found \"" + mergeList[r] + "\"");
                    }
                    int a = known(vocab, parts[0], source, field), b = known(vocab, parts[1], source, field);
                    merges.put(a, b, BpeModel.mergeValue(r, known(vocab, parts[0] + parts[1], source, field)));
                }
                String pre = m.has("tokenizer.ggml.pre") ? m.string("tokenizer.ggml.pre") : "gpt-2";
                String regex = switch (pre) {
                    // "default": what converters write for an unrecognised split; GPT-2's regex is
                    // HF ByteLevel's own (llama.cpp's "default" splits slightly differently)
                    case "gpt-2", "gpt2", "default" -> PreTokenizer.ByteLevel.GPT2_REGEX;
                    case "qwen2" -> QWEN2_REGEX;
                    case "llama-bpe", "llama3" -> LLAMA3_REGEX;
                    default -> throw new FormatException(source, "tokenizer.ggml.pre",
                            "a supported pre-tokenizer (default, gpt-2, qwen2, llama-bpe), found \"" + pre + "\"");
                };
                PreTokenizer preTok = new PreTokenizer.Sequence(List.of(
                        new PreTokenizer.Split(new TextPattern(null, Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS)),
                                PreTokenizer.Behavior.ISOLATED, false),
                        new PreTokenizer.ByteLevel(false, false)));
                Normalizer norm = pre.equals("qwen2") ? new Normalizer.Unicode(java.text.Normalizer.Form.NFC) : null;
                BpeModel model = new BpeModel(vocab, merges, -1, false, false, pre.startsWith("llama"), null, null);
                yield new Tokenizer(model, added, norm, preTok, template(m, bos, eos, false),
                        List.of(new DecodeStep.ByteLevel()), bos, eos);
            }
            default -> throw new FormatException(source, "tokenizer.ggml.model",
                    "\"llama\" (SentencePiece) or \"gpt2\" (byte-level BPE), found \"" + kind + "\"");
        };
    }

    private static SpecialTemplate template(Meta m, int bos, int eos, boolean bosDefault) {
        boolean addBos = m.bool("tokenizer.ggml.add_bos_token", bosDefault) && bos >= 0;
        boolean addEos = m.bool("tokenizer.ggml.add_eos_token", false) && eos >= 0;
        return new SpecialTemplate(addBos ? new int[] {bos} : new int[0], addEos ? new int[] {eos} : new int[0]);
    }

    private static int known(Vocab vocab, String text, String source, String field) {
        int id = vocab.id(text);
        if (id < 0) throw new FormatException(source, field, "tokens present in tokenizer.ggml.tokens, but \"" + text + "\" is not");
        return id;
    }

    /** Typed access to the metadata map, failing with the key and the expected type. */
    private record Meta(Map<String, Object> map, String source) {
        boolean has(String key) { return map.get(key) != null; }

        private Object require(String key) {
            Object v = map.get(key);
            if (v == null) throw new FormatException(source, key, "this key to be present");
            return v;
        }

        private FormatException wrong(String key, String expected, Object v) {
            return new FormatException(source, key, expected + ", found " + v.getClass().getSimpleName());
        }

        String string(String key) {
            Object v = require(key);
            if (v instanceof String s) return s;
            throw wrong(key, "a string", v);
        }

        boolean bool(String key, boolean dflt) {
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean b) return b;
            throw wrong(key, "a bool", v);
        }

        /** A token id, or -1 when absent; must lie inside the vocabulary. */
        int tokenId(String key, int n) {
            Object v = map.get(key);
            if (v == null) return -1;
            if (!(v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)) {
                throw wrong(key, "an integer", v);
            }
            long id = ((Number) v).longValue();
            if (id < 0 || id >= n) throw new FormatException(source, key, "a token id below " + n + ", found " + id);
            return (int) id;
        }

        String[] strings(String key) {
            Object v = require(key);
            if (v instanceof String[] a) return a;
            throw wrong(key, "an array of strings", v);
        }

        float[] floats(String key, int n) {
            Object v = require(key);
            float[] out;
            if (v instanceof float[] a) {
                out = a;
            } else if (v instanceof double[] a) {
                out = new float[a.length];
                for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
            } else {
                throw wrong(key, "an array of floats", v);
            }
            if (out.length != n) throw new FormatException(source, key, n + " entries (one per token), found " + out.length);
            return out;
        }

        int[] ints(String key, int n) {
            Object v = require(key);
            int[] out;
            if (v instanceof int[] a) {
                out = a;
            } else if (v instanceof long[] a) {
                out = new int[a.length];
                for (int i = 0; i < a.length; i++) out[i] = (int) a[i];
            } else {
                throw wrong(key, "an array of integers", v);
            }
            if (out.length != n) throw new FormatException(source, key, n + " entries (one per token), found " + out.length);
            return out;
        }
    }
}
