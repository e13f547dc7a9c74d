package dev.unimoe.cli;

import dev.unimoe.formats.GgufConverter;
import dev.unimoe.formats.RandomModel;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.tensor.DType;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code unimoe convert}: a HF checkpoint, or a random model of any shape, to a llama.cpp-readable GGUF. */
final class ConvertCommand {
    private ConvertCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("convert", argv, 1,
                Set.of("model", "out", "type", "hidden", "layers", "heads", "kv-heads", "experts", "top-k", "ffn", "vocab", "seed", "tokenizer", "context"),
                Set.of("random", "quiet"));
        Path outPath = Path.of(a.require("out"));
        DType type = parseType(a.get("type") == null ? "q8_0" : a.get("type"));
        Progress progress = new Progress("writing " + outPath.getFileName(), !a.flag("quiet"));
        if (a.flag("random")) {
            if (a.has("model")) throw new Args.UsageException("convert: --random and --model exclude each other");
            int layers = a.getInt("layers", 12), experts = a.getInt("experts", 8), ffn = a.getInt("ffn", 2048);
            int hidden = a.getInt("hidden", 1024), heads = a.getInt("heads", 16), kvHeads = a.getInt("kv-heads", 4);
            int topK = a.getInt("top-k", experts > 0 ? 2 : 0);
            if (hidden <= 0 || heads <= 0 || kvHeads <= 0 || layers <= 0 || ffn <= 0 || hidden % heads != 0 || heads % kvHeads != 0) {
                throw new Args.UsageException("convert: need positive sizes with hidden divisible by heads and heads by kv-heads");
            }
            if (experts < 0 || (experts > 0 && (topK < 1 || topK > experts))) throw new Args.UsageException("convert: --top-k must be in [1, experts]");
            ModelConfig cfg = new ModelConfig(experts > 0 ? "mixtral" : "llama", a.getInt("vocab", 32000), hidden, layers, heads, kvHeads, hidden / heads,
                    ffn, experts, experts > 0 ? topK : 0, experts > 0 ? ffn : 0, 0, true, false, 1e-5f, 10000f, a.getInt("context", 4096),
                    ModelConfig.uniform(layers, experts > 0), false, true);
            Path tok = a.has("tokenizer") ? Path.of(a.get("tokenizer")) : null;
            RandomModel.write(cfg, type, a.getLong("seed", 1), tok, outPath, progress);
        } else {
            GgufConverter.convert(Path.of(a.require("model")), outPath, type, progress);
        }
        out.println("wrote " + outPath + " (" + type.name() + ")");
        return 0;
    }

    static DType parseType(String s) {
        for (DType t : GgufConverter.TYPES) if (t.name().equalsIgnoreCase(s)) return t;
        throw new Args.UsageException("convert: --type must be one of " + GgufConverter.TYPE_NAMES.toLowerCase(java.util.Locale.ROOT) + "; got '" + s + "'");
    }
}
