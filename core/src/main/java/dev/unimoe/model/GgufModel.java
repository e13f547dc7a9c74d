package dev.unimoe.model;

import dev.unimoe.formats.FormatException;

import java.nio.file.Path;
import java.util.function.DoubleConsumer;

/** Placeholder until the GGUF reader lands (real binding kept aside). */
final class GgufModel {
    private GgufModel() {}

    static Model load(Path path, DoubleConsumer progress) {
        throw new FormatException(path.toString(), "GGUF loading is not wired yet");
    }
}
