package dev.unimoe.model;

import dev.unimoe.formats.FormatException;

import java.nio.file.Path;
import java.util.function.DoubleConsumer;

/** Binds llama.cpp GGUF tensor names and metadata to a {@link Model}. */
final class GgufModel {
    private GgufModel() {}

    static Model load(Path path, DoubleConsumer progress) {
        throw new FormatException(path.toString(), "GGUF loading is not wired yet");
    }
}
