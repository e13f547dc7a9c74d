package dev.unimoe.cli;

import dev.unimoe.formats.Json;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Weights;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code unimoe inspect}: architecture, parameter counts, experts, storage formats and memory. */
final class InspectCommand {
    private InspectCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("inspect", argv, 1, Set.of("model"), Set.of("json", "quiet"));
        try (LoadedModel lm = LoadedModel.load(a.require("model"), !a.flag("quiet") && !a.flag("json"))) {
            Map<String, Object> info = describe(lm);
            if (a.flag("json")) {
                out.println(Json.write(info));
            } else {
                for (var e : info.entrySet()) out.printf("%-26s %s%n", e.getKey(), e.getValue() instanceof Map<?, ?> m ? Json.write(m) : e.getValue());
            }
        }
        return 0;
    }

    static Map<String, Object> describe(LoadedModel lm) {
        ModelConfig c = lm.model().config();
        Weights w = lm.model().weights();
        long[] params = w.parameterCounts(Math.max(1, c.expertsPerToken()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", lm.model().source().toString());
        m.put("format", lm.model().format());
        m.put("architecture", c.architecture());
        m.put("layers", c.layers());
        m.put("hidden", c.hidden());
        m.put("heads", c.heads());
        m.put("kv_heads", c.kvHeads());
        m.put("head_dim", c.headDim());
        m.put("vocab", c.vocabSize());
        m.put("context_length", c.contextLength());
        m.put("rope_theta", c.ropeTheta());
        m.put("sparse_layers", c.sparseLayerCount());
        m.put("experts", c.experts());
        m.put("experts_per_token", c.expertsPerToken());
        m.put("expert_ffn", c.expertFfn());
        m.put("shared_expert_ffn", c.sharedExpertFfn());
        m.put("dense_ffn", c.ffn());
        m.put("norm_topk_prob", c.normTopkProb());
        m.put("parameters_total", params[0]);
        m.put("parameters_active_per_token", params[1]);
        Map<String, Object> formats = new LinkedHashMap<>();
        w.formatCounts().forEach((k, v) -> formats.put(k, human(v)));
        m.put("weight_formats", formats);
        m.put("weight_bytes", human(w.totalBytes()));
        m.put("weight_bytes_read_per_token", human(w.activeBytesPerToken(Math.max(1, c.expertsPerToken()))));
        m.put("kv_cache_per_1k_tokens", human(2L * c.layers() * c.kvDim() * 4 * 1024));
        m.put("tokenizer", lm.tokenizer() == null ? "none" : lm.tokenizer().vocabSize() + " tokens");
        return m;
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
        return String.format("%.2f %s", v, u[i]);
    }
}
