package dev.unimoe.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Text ↔ token ids, with the behaviour of HuggingFace {@code tokenizers} for a tokenizer.json
 * (BPE models: SentencePiece-style with byte fallback, and GPT-2 byte-level), or of llama.cpp's
 * tokenizers for a GGUF-embedded vocabulary (decoded like HF).
 *
 * <p>Encoding: added/special tokens are found in the raw text first; each stretch of text between
 * them is normalized, split again on normalized added tokens, pre-tokenized into words, and each
 * word run through the model. With {@code addSpecial}, BOS/EOS are added around the result.
 * Instances are immutable and thread-safe.
 */
public final class Tokenizer {
    private final TokenModel model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final SpecialTemplate template;
    private final List<DecodeStep> decoder;
    private final String[] tokenText;
    private final String[] decodeText;
    private final BitSet special = new BitSet();
    private final int bosId;
    private final int eosId;

    Tokenizer(TokenModel model, List<AddedToken> added, Normalizer normalizer, PreTokenizer preTokenizer,
              SpecialTemplate template, List<DecodeStep> decoder, int bosId, int eosId) {
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.template = template;
        this.decoder = decoder;
        this.bosId = bosId;
        this.eosId = eosId;
        int size = model.vocab().size();
        for (AddedToken t : added) size = Math.max(size, t.id() + 1);
        tokenText = new String[size];
        for (int i = 0; i < model.vocab().size(); i++) tokenText[i] = model.vocab().text(i);
        decodeText = tokenText.clone();
        List<AddedToken> raw = new ArrayList<>(), normalized = new ArrayList<>();
        for (AddedToken t : added) {
            tokenText[t.id()] = t.content();
            decodeText[t.id()] = t.match(); // HF decodes a normalized added token from its normalized form
            if (t.special()) special.set(t.id());
            (t.normalized() && normalizer != null ? normalized : raw).add(t);
        }
        rawMatcher = new AddedTokenMatcher(raw);
        normalizedMatcher = new AddedTokenMatcher(normalized);
    }

    /**
     * Loads {@code tokenizer.json} from {@code dir} (or {@code dir} itself when it is that file),
     * with {@code tokenizer_config.json} beside it when present.
     *
     * @throws dev.unimoe.formats.FormatException naming the file and field for missing, malformed
     *     or unsupported content
     */
    public static Tokenizer fromHfDirectory(Path dir) {
        return HfTokenizerLoader.load(dir);
    }

    /**
     * Builds the tokenizer embedded in GGUF metadata ({@code tokenizer.ggml.*}); {@code source}
     * names the file in error messages.
     */
    public static Tokenizer fromGgufMetadata(Map<String, Object> meta, String source) {
        return GgufTokenizerLoader.load(meta, source);
    }

    /**
     * Token ids of {@code text}. Special-token text in the input is always matched as that token.
     * With {@code addSpecial}, BOS/EOS are added as configured (tokenizer_config.json
     * {@code add_bos_token}/{@code add_eos_token}, else the tokenizer.json post-processor; GGUF:
     * {@code tokenizer.ggml.add_bos_token}/{@code add_eos_token}).
     */
    public int[] encode(String text, boolean addSpecial) {
        IntList out = new IntList(text.length() / 3 + 8);
        if (addSpecial) out.addAll(template.prefix());
        List<AddedTokenMatcher.Piece> pieces = new ArrayList<>();
        rawMatcher.split(text, true, pieces);
        List<AddedTokenMatcher.Piece> parts = new ArrayList<>();
        for (AddedTokenMatcher.Piece p : pieces) {
            if (p.id() >= 0) {
                out.add(p.id());
                continue;
            }
            String norm = normalizer == null ? p.text() : normalizer.apply(p.text());
            parts.clear();
            normalizedMatcher.split(norm, p.atOrigin(), parts);
            for (AddedTokenMatcher.Piece q : parts) {
                if (q.id() >= 0) {
                    out.add(q.id());
                } else if (preTokenizer == null) {
                    model.tokenize(q.text(), out);
                } else {
                    for (PreTokenizer.Word w : preTokenizer.apply(List.of(new PreTokenizer.Word(q.text(), q.atOrigin())))) {
                        model.tokenize(w.text(), out);
                    }
                }
            }
        }
        if (addSpecial) out.addAll(template.suffix());
        return out.toArray();
    }

    /** Text of {@code ids}, as HF's {@code decode}; ids without a token are ignored. */
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder out = new StringBuilder(ids.length * 4);
        DecodeStage chain = newDecodeChain(out);
        for (int id : ids) push(chain, id, skipSpecial);
        chain.finish();
        return out.toString();
    }

    /** A decoder for ids arriving one at a time; see {@link StreamDecoder}. */
    public StreamDecoder streamDecoder(boolean skipSpecial) {
        return new StreamDecoder(this, skipSpecial);
    }

    DecodeStage newDecodeChain(StringBuilder out) {
        return DecodeStep.chain(decoder, out);
    }

    void push(DecodeStage chain, int id, boolean skipSpecial) {
        if (id < 0 || id >= decodeText.length || decodeText[id] == null) return;
        if (skipSpecial && special.get(id)) return;
        chain.piece(decodeText[id], true);
    }

    /** One more than the largest token id (model vocabulary and added tokens). */
    public int vocabSize() { return tokenText.length; }

    /** BOS id, or -1 when the tokenizer has none. */
    public int bosId() { return bosId; }

    /** EOS id, or -1 when the tokenizer has none. */
    public int eosId() { return eosId; }

    /** Whether {@code encode(text, true)} starts with the BOS token. */
    public boolean addBos() {
        return bosId >= 0 && template.prefix().length > 0 && template.prefix()[0] == bosId;
    }

    /** The vocabulary string of {@code id} (e.g. {@code ▁Hello}, {@code <0x0A>}), or null when unused. */
    public String tokenString(int id) {
        return id >= 0 && id < tokenText.length ? tokenText[id] : null;
    }

    /** Whether {@code id} is a special token (skipped by {@code decode(ids, true)}). */
    public boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }
}
