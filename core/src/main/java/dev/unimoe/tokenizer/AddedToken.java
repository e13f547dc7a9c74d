package dev.unimoe.tokenizer;

/**
 * An entry of tokenizer.json {@code added_tokens} (or a GGUF control/user-defined token): text
 * matched in the input before the model runs. {@code match} is what is searched for: the content,
 * or its normalized form when {@code normalized} (HF then searches the normalized text).
 */
record AddedToken(int id, String content, String match, boolean singleWord, boolean lstrip,
                  boolean rstrip, boolean normalized, boolean special) {}
