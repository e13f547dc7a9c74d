package dev.unimoe.multimodal;

import dev.unimoe.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Uni-MoE's {@code tokenizer_image_audio_video_token}: split the prompt on the literal tags,
 * tokenise every piece on its own with BOS, keep only the first piece's BOS, and put the tag's
 * placeholder id (−200, −300, −400) between pieces. Each piece gets its own leading "▁".
 */
public final class PlaceholderTokenizer {
    private PlaceholderTokenizer() {}

    public static int[] encode(Tokenizer tok, String prompt) {
        List<Integer> ids = new ArrayList<>();
        int start = 0;
        boolean first = true;
        while (true) {
            int next = -1;
            Modality kind = null;
            for (Modality m : new Modality[]{Modality.IMAGE, Modality.AUDIO, Modality.VIDEO}) {
                int at = prompt.indexOf(m.tag, start);
                if (at >= 0 && (next < 0 || at < next)) { next = at; kind = m; }
            }
            String piece = next < 0 ? prompt.substring(start) : prompt.substring(start, next);
            int[] p = tok.encode(piece, true);
            int skip = !first && p.length > 0 && tok.addBos() && p[0] == tok.bosId() ? 1 : 0;
            for (int i = skip; i < p.length; i++) ids.add(p[i]);
            first = false;
            if (next < 0) break;
            ids.add(kind.placeholderId);
            start = next + kind.tag.length();
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
