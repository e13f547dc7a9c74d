package dev.unimoe.multimodal;

import dev.unimoe.model.Decoder;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Uni-MoE's splicing: text ids become embedding rows, each placeholder becomes the next medium of
 * its kind ([rows, hidden] each); positions run 0 … T−1 over the result. Placeholders and media
 * must pair up exactly, kind by kind.
 */
public final class Splicer {
    private Splicer() {}

    public static Spliced splice(Decoder f, int[] ids, Map<Modality, List<float[]>> media, int hidden) {
        Map<Modality, Integer> given = new EnumMap<>(Modality.class);
        media.forEach((m, l) -> given.put(m, l.size()));
        checkPlaceholders(ids, given);
        Map<Modality, Integer> used = new EnumMap<>(Modality.class);
        int rows = 0;
        for (int id : ids) {
            Modality m = Modality.ofPlaceholder(id);
            if (m == null) rows++;
            else rows += rowsOf(media.get(m).get(used.merge(m, 1, Integer::sum) - 1), hidden, m);
        }
        used.clear();
        float[] emb = new float[rows * hidden];
        int[] tokenIds = new int[rows];
        List<Segment> segments = new ArrayList<>();
        int r = 0, textStart = 0;
        for (int i = 0; i <= ids.length; i++) {
            Modality m = i < ids.length ? Modality.ofPlaceholder(ids[i]) : Modality.TEXT;
            if (i < ids.length && m == null) {
                f.embedRow(ids[i], emb, r * hidden);
                tokenIds[r++] = ids[i];
                continue;
            }
            if (r > textStart) segments.add(new Segment(Modality.TEXT, textStart, r - textStart));
            if (i == ids.length) break;
            float[] block = media.get(m).get(used.merge(m, 1, Integer::sum) - 1);
            int n = block.length / hidden;
            System.arraycopy(block, 0, emb, r * hidden, block.length);
            java.util.Arrays.fill(tokenIds, r, r + n, -1);
            segments.add(new Segment(m, r, n));
            r += n;
            textStart = r;
        }
        return new Spliced(emb, rows, segments, tokenIds);
    }

    /**
     * Placeholders and media pair up kind by kind; {@code given} counts the media of each kind.
     * Callers run it before decoding any medium so a bad prompt fails fast.
     */
    public static void checkPlaceholders(int[] ids, Map<Modality, Integer> given) {
        Map<Modality, Integer> placeholders = new EnumMap<>(Modality.class);
        for (int id : ids) {
            Modality m = Modality.ofPlaceholder(id);
            if (m != null) placeholders.merge(m, 1, Integer::sum);
            else if (id < 0) throw new IllegalArgumentException("prompt id " + id + " is neither a token nor a placeholder (-200 image, -300 audio, -400 video)");
        }
        for (Modality m : new Modality[]{Modality.IMAGE, Modality.AUDIO, Modality.VIDEO}) {
            int p = placeholders.getOrDefault(m, 0), n = given.getOrDefault(m, 0);
            if (p != n) {
                throw new IllegalArgumentException("the prompt has " + p + " " + m.tag + " placeholder" + (p == 1 ? "" : "s") + " but "
                        + n + " " + m.label() + " input" + (n == 1 ? "" : "s") + " were given; each " + m.tag + " takes the next --" + m.label());
            }
        }
    }

    private static int rowsOf(float[] block, int hidden, Modality m) {
        if (block.length == 0 || block.length % hidden != 0) {
            throw new IllegalArgumentException(m.label() + " embedding of " + block.length + " values is not a whole number of " + hidden + "-wide rows");
        }
        return block.length / hidden;
    }
}
