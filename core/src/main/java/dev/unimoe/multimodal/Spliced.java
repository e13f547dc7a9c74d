package dev.unimoe.multimodal;

import java.util.List;

/** The sequence the decoder sees: [rows, hidden] embeddings, which modality each row came from, and the text ids (−1 for media rows). */
public record Spliced(float[] embeddings, int rows, List<Segment> segments, int[] tokenIds) {
    public Modality modalityAt(int row) {
        for (Segment s : segments) if (row >= s.start() && row < s.start() + s.length()) return s.kind();
        return Modality.TEXT;
    }
}
