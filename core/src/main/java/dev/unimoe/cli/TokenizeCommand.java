package dev.unimoe.cli;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Gguf;
import dev.unimoe.formats.Json;
import dev.unimoe.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code unimoe tokenize}: ids of a text; the model path may be a folder holding only tokenizer files. */
final class TokenizeCommand {
    private TokenizeCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("tokenize", argv, 1, Set.of("model", "text"), Set.of("no-special", "json"));
        Path p = Path.of(a.require("model"));
        String text = a.require("text");
        Tokenizer tok;
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve("tokenizer.json"))) throw new FormatException(p.toString(), "no tokenizer.json in this folder");
            tok = Tokenizer.fromHfDirectory(p);
        } else {
            try (Gguf g = Gguf.open(p)) {
                if (!g.metadata().containsKey("tokenizer.ggml.tokens")) throw new FormatException(p.toString(), "tokenizer.ggml.tokens", "an embedded tokenizer");
                tok = Tokenizer.fromGgufMetadata(g.metadata(), p.toString());
            }
        }
        int[] ids = tok.encode(text, !a.flag("no-special"));
        if (a.flag("json")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ids", ids);
            out.println(Json.write(m));
        } else {
            for (int id : ids) out.println(id + "\t" + tok.tokenString(id));
        }
        return 0;
    }
}
