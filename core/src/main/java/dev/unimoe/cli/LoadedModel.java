package dev.unimoe.cli;

import dev.unimoe.formats.FormatException;
import dev.unimoe.model.Model;
import dev.unimoe.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** A model and its tokenizer (if it ships one), loaded with a progress bar. */
record LoadedModel(Model model, Tokenizer tokenizer) implements AutoCloseable {

    static LoadedModel load(String path, boolean progress) {
        Path p = Path.of(path);
        Model m = Model.load(p, new Progress("loading " + p.getFileName(), progress));
        try {
            return new LoadedModel(m, tokenizerFor(p, m));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The tokenizer next to a checkpoint folder or inside a GGUF; null when there is none. */
    static Tokenizer tokenizerFor(Path p, Model m) {
        if (Files.isDirectory(p)) {
            return Files.isRegularFile(p.resolve("tokenizer.json")) ? Tokenizer.fromHfDirectory(p) : null;
        }
        if (m != null && m.metadata().containsKey("tokenizer.ggml.tokens")) {
            return Tokenizer.fromGgufMetadata(m.metadata(), p.toString());
        }
        return null;
    }

    Tokenizer requireTokenizer(String why) {
        if (tokenizer == null) {
            throw new FormatException(model.source().toString(), "has no tokenizer (tokenizer.json or GGUF tokenizer.ggml.*), needed " + why);
        }
        return tokenizer;
    }

    @Override
    public void close() {
        model.close();
    }
}
