package dev.unimoe.tokenizer;

import java.util.HashMap;
import java.util.Map;

/** Token text by id (ids may have holes) and id by text. */
final class Vocab {
    private final String[] byId;
    private final Map<String, Integer> byText;

    /** {@code texts[i]} is the text of id i, or null for an unused id. Later duplicates win, as in llama.cpp. */
    Vocab(String[] texts) {
        byId = texts.clone();
        byText = HashMap.newHashMap(texts.length);
        for (int i = 0; i < texts.length; i++) if (texts[i] != null) byText.put(texts[i], i);
    }

    /** Returns the id of {@code text}, or -1. */
    int id(String text) {
        Integer v = byText.get(text);
        return v == null ? -1 : v;
    }

    /** Returns the text of {@code id}, or null. */
    String text(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    /** One more than the largest id. */
    int size() { return byId.length; }

    /** The ids of the byte tokens {@code <0x00>} … {@code <0xFF>} (-1 where absent). */
    int[] byteTokenIds() {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) ids[b] = id(byteTokenText(b));
        return ids;
    }

    /** {@code <0x0A>}: the spelling SentencePiece and HF's byte fallback use. */
    static String byteTokenText(int b) {
        return String.format("<0x%02X>", b);
    }
}
