package dev.unimoe.tokenizer;

/**
 * One running step of a decoder chain. HF decoders map a list of token strings to a list of
 * strings; here the same work is done incrementally so that {@link StreamDecoder} and
 * {@link Tokenizer#decode} share one code path and therefore agree exactly. A piece either
 * starts a new token ({@code tokenStart}) or continues the current one (after a Fuse, the whole
 * output is one token that arrives in pieces).
 */
abstract class DecodeStage {
    final DecodeStage next;

    DecodeStage(DecodeStage next) {
        this.next = next;
    }

    abstract void piece(String text, boolean tokenStart);

    /** End of input: release anything held back, then finish the next stage. */
    void finish() {
        if (next != null) next.finish();
    }

    /** The end of the chain: concatenates, or joins tokens with spaces when there is no decoder. */
    static final class Sink extends DecodeStage {
        private final StringBuilder out;
        private final boolean joinWithSpace;
        private boolean any;

        Sink(StringBuilder out, boolean joinWithSpace) {
            super(null);
            this.out = out;
            this.joinWithSpace = joinWithSpace;
        }

        @Override
        void piece(String text, boolean tokenStart) {
            if (joinWithSpace && tokenStart && any) out.append(' ');
            if (tokenStart) any = true;
            out.append(text);
        }
    }
}
