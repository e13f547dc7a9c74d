package dev.unimoe.tokenizer;

/** The subword model: turns one pre-tokenized word into token ids. */
interface TokenModel {

    /** Appends the ids of {@code word} (never empty) to {@code out}. */
    void tokenize(String word, IntList out);

    Vocab vocab();
}
