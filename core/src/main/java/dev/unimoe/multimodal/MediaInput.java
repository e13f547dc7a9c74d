package dev.unimoe.multimodal;

import java.nio.file.Path;

/** One medium given on the command line, in order: its kind and file (a folder of frames for video). */
public record MediaInput(Modality kind, Path path) {}
