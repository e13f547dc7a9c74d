package dev.unimoe.multimodal;

import java.util.Map;

/**
 * Uni-MoE's prompt: the Vicuna v1 conversation (system line, " USER: ", the message,
 * " ASSISTANT:"), the message being one tag per present medium in the order image, audio,
 * video, each followed by a newline, then the question. {@code none} uses the text as written.
 */
public enum PromptTemplate {
    VICUNA, NONE;

    static final String SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    public static PromptTemplate parse(String s) {
        return switch (s) {
            case "vicuna" -> VICUNA;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("--template must be vicuna or none, got '" + s + "'");
        };
    }

    /** @param counts how many media of each kind the prompt carries (one tag each) */
    public String build(String query, Map<Modality, Integer> counts) {
        if (this == NONE) return query;
        StringBuilder user = new StringBuilder();
        for (Modality m : new Modality[]{Modality.IMAGE, Modality.AUDIO, Modality.VIDEO}) {
            for (int i = 0; i < counts.getOrDefault(m, 0); i++) user.append(m.tag).append('\n');
        }
        user.append(query);
        return SYSTEM + " USER: " + user + " ASSISTANT:";
    }
}
