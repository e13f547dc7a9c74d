package dev.unimoe.tokenizer;

/**
 * Incremental decoding of generated ids. Each {@link #accept} returns the text that became final
 * with that id (possibly empty: an incomplete UTF-8 byte sequence, or a run of byte tokens, is
 * held back); {@link #flush} returns the rest. The concatenation of all returned strings equals
 * {@code decode(ids, skipSpecial)} exactly, because both run the same decoder stages. After
 * {@code flush} the decoder starts a new sequence. Not thread-safe.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private final StringBuilder out = new StringBuilder();
    private DecodeStage chain;

    StreamDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
        this.chain = tokenizer.newDecodeChain(out);
    }

    /** Feeds one id; returns the newly completed text. */
    public String accept(int id) {
        tokenizer.push(chain, id, skipSpecial);
        return take();
    }

    /** Ends the sequence: returns held-back text (invalid or incomplete UTF-8 becomes U+FFFD). */
    public String flush() {
        chain.finish();
        chain = tokenizer.newDecodeChain(out);
        return take();
    }

    private String take() {
        String s = out.toString();
        out.setLength(0);
        return s;
    }
}
