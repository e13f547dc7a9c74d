package dev.unimoe.multimodal;

/** A run of rows in the spliced sequence: text tokens, or one medium's embedding rows. */
public record Segment(Modality kind, int start, int length) {}
