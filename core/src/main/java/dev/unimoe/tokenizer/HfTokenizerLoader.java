package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Json;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a HuggingFace {@code tokenizer.json} (+ optional {@code tokenizer_config.json}). */
final class HfTokenizerLoader {
    private HfTokenizerLoader() {}

    static Tokenizer load(Path dir) {
        Path file = Files.isRegularFile(dir) ? dir : dir.resolve("tokenizer.json");
        String name = file.toString();
        JsonNode root = JsonNode.root(Json.parse(read(file), name), name);
        root.asMap();

        JsonNode m = root.require("model");
        TokenModel model = model(m);

        Normalizer normalizer = Normalizer.fromJson(root.get("normalizer"));
        PreTokenizer pre = PreTokenizer.fromJson(root.get("pre_tokenizer"));
        SpecialTemplate template = SpecialTemplate.fromJson(root.get("post_processor"));
        List<DecodeStep> decoder = DecodeStep.fromJson(root.get("decoder"));

        List<AddedToken> added = new ArrayList<>();
        Set<Integer> addedIds = new HashSet<>();
        if (root.has("added_tokens")) {
            for (JsonNode t : root.get("added_tokens").asList()) {
                // HF gives an added token that is already in the model vocabulary the model's id
                int id = model.vocab().id(t.string("content"));
                AddedToken a = addedToken(t, id >= 0 ? id : t.require("id").asInt(), normalizer);
                if (addedIds.add(a.id())) added.add(a);
            }
        }

        Path configFile = file.resolveSibling("tokenizer_config.json");
        JsonNode config = null;
        if (Files.isRegularFile(configFile)) {
            String cname = configFile.toString();
            config = JsonNode.root(Json.parse(read(configFile), cname), cname);
            config.asMap();
            // transformers also registers the config's added_tokens_decoder entries
            if (config.has("added_tokens_decoder")) {
                JsonNode dec = config.get("added_tokens_decoder");
                for (String key : dec.asMap().keySet()) {
                    JsonNode t = dec.get(key);
                    int id;
                    try {
                        id = Integer.parseInt(key);
                    } catch (NumberFormatException e) {
                        throw t.error("an integer token id as key, found \"" + key + "\"");
                    }
                    if (addedIds.add(id)) added.add(addedToken(t, id, normalizer));
                }
            }
        }

        int bos = -1, eos = -1;
        int[] prefix = template.prefix(), suffix = template.suffix();
        if (prefix.length == 1) bos = prefix[0];
        if (suffix.length == 1) eos = suffix[0];
        if (config != null) {
            if (config.has("bos_token")) bos = lookup(tokenName(config.get("bos_token")), model, added);
            if (config.has("eos_token")) eos = lookup(tokenName(config.get("eos_token")), model, added);
            // add_bos_token / add_eos_token, when given, decide (as transformers' Llama tokenizers do)
            if (config.has("add_bos_token")) {
                prefix = config.get("add_bos_token").asBool() && bos >= 0 ? new int[] {bos} : new int[0];
            }
            if (config.has("add_eos_token")) {
                suffix = config.get("add_eos_token").asBool() && eos >= 0 ? new int[] {eos} : new int[0];
            }
        }
        return new Tokenizer(model, added, normalizer, pre, new SpecialTemplate(prefix, suffix), decoder, bos, eos);
    }

    private static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FormatException(file.toString(), "(file)", "an existing tokenizer file, but there is none");
        }
        try {
            return Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new FormatException(file.toString(), "(file)", "UTF-8 text");
        } catch (IOException e) {
            throw new FormatException(file.toString(), "(file)", "a readable file (" + e + ")");
        }
    }

    private static TokenModel model(JsonNode m) {
        // files written by old versions of tokenizers may omit the type of a BPE model
        String type = m.string("type", m.has("merges") ? "BPE" : null);
        if (!"BPE".equals(type)) {
            throw new FormatException(m.file(), m.path() + ".type",
                    "\"BPE\" (the only model type supported), found " + (type == null ? "none" : "\"" + type + "\""));
        }
        JsonNode vocabNode = m.require("vocab");
        Map<String, Object> vocabMap = vocabNode.asMap();
        String[] keys = vocabMap.keySet().toArray(String[]::new);
        int[] keyIds = new int[keys.length];
        int max = -1;
        for (int i = 0; i < keys.length; i++) {
            JsonNode idNode = vocabNode.get(keys[i]);
            int id = idNode.asInt();
            if (id < 0) throw idNode.error("a non-negative token id, found " + id);
            keyIds[i] = id;
            max = Math.max(max, id);
        }
        String[] texts = new String[max + 1];
        for (int i = 0; i < keys.length; i++) texts[keyIds[i]] = keys[i];
        Vocab vocab = new Vocab(texts);

        String prefix = m.string("continuing_subword_prefix", null);
        String suffix = m.string("end_of_word_suffix", null);
        int prefixLen = prefix == null ? 0 : prefix.length();
        List<JsonNode> mergeList = m.require("merges").asList();
        PairMap merges = new PairMap(mergeList.size());
        int rank = 0;
        for (JsonNode mn : mergeList) {
            String a, b;
            if (mn.value() instanceof String s) {
                if (s.startsWith("#version")) continue;
                String[] parts = s.split(" ", -1);
                if (parts.length != 2) throw mn.error("a merge \"left right\" with exactly one space, found " + mn.describe());
                a = parts[0];
                b = parts[1];
            } else {
                List<JsonNode> pair = mn.asList();
                if (pair.size() != 2) throw mn.error("a merge [left, right], found " + pair.size() + " elements");
                a = pair.get(0).asString();
                b = pair.get(1).asString();
            }
            String merged = a + (prefixLen > 0 && b.startsWith(prefix) ? b.substring(prefixLen) : b);
            int ia = knownToken(vocab, a, mn), ib = knownToken(vocab, b, mn), im = knownToken(vocab, merged, mn);
            merges.put(ia, ib, BpeModel.mergeValue(rank, im));
            rank++;
        }
        // an unk token missing from the vocab only matters for unknown characters: treat as none
        int unk = m.has("unk_token") ? vocab.id(m.string("unk_token")) : -1;
        return new BpeModel(vocab, merges, unk, m.bool("fuse_unk", false), m.bool("byte_fallback", false),
                m.bool("ignore_merges", false), prefix, suffix);
    }

    private static int knownToken(Vocab vocab, String text, JsonNode merge) {
        int id = vocab.id(text);
        if (id < 0) throw merge.error("tokens present in model.vocab, but \"" + text + "\" is not");
        return id;
    }

    private static AddedToken addedToken(JsonNode t, int id, Normalizer normalizer) {
        String content = t.string("content");
        if (id < 0) throw t.get("id").error("a non-negative token id, found " + id);
        boolean special = t.bool("special", false);
        boolean normalized = t.bool("normalized", !special);
        String match = normalized && normalizer != null ? normalizer.apply(content) : content;
        return new AddedToken(id, content, match, t.bool("single_word", false), t.bool("lstrip", false),
                t.bool("rstrip", false), normalized, special);
    }

    /** {@code "<s>"} or {@code {"content": "<s>", …}} (older transformers' AddedToken dicts). */
    private static String tokenName(JsonNode n) {
        if (n.value() instanceof String s) return s;
        return n.string("content");
    }

    private static int lookup(String text, TokenModel model, List<AddedToken> added) {
        for (AddedToken t : added) if (t.content().equals(text)) return t.id();
        return model.vocab().id(text);
    }
}
