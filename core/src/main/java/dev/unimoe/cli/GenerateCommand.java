package dev.unimoe.cli;

import dev.unimoe.formats.Json;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Generator;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.runtime.Backend;
import dev.unimoe.runtime.Backends;
import dev.unimoe.tokenizer.StreamDecoder;
import dev.unimoe.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code unimoe generate}: streams a continuation of a prompt. */
final class GenerateCommand {
    private GenerateCommand() {}

    static final Set<String> VALUED = Set.of("model", "prompt", "prompt-ids", "max-tokens", "temperature", "top-k", "top-p", "seed", "context", "batch",
            "backend", "device");
    static final Set<String> FLAGS = Set.of("json", "ignore-eos", "quiet");

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("generate", argv, 1, VALUED, FLAGS);
        String modelPath = a.require("model");
        if (a.has("prompt") == a.has("prompt-ids")) throw new Args.UsageException("generate: give exactly one of --prompt or --prompt-ids");
        int maxTokens = a.getInt("max-tokens", 64);
        if (maxTokens < 1) throw new Args.UsageException("generate: --max-tokens must be >= 1");
        Sampler sampler = new Sampler(a.getFloat("temperature", 0.8f), a.getInt("top-k", 40), a.getFloat("top-p", 0.95f), a.getLong("seed", 0));
        boolean json = a.flag("json");
        try (LoadedModel lm = LoadedModel.load(modelPath, !a.flag("quiet"))) {
            ModelConfig c = lm.model().config();
            Tokenizer tok = lm.tokenizer();
            int[] prompt = a.has("prompt") ? lm.requireTokenizer("to encode --prompt (or pass --prompt-ids)").encode(a.get("prompt"), true) : a.getIntList("prompt-ids");
            for (int id : prompt) {
                if (id < 0 || id >= c.vocabSize()) throw new IllegalArgumentException("prompt token id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
            int ctx = contextFor(a, c, prompt.length + maxTokens);
            if (prompt.length >= ctx) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the context holds " + ctx
                        + " (model maximum " + c.contextLength() + "); shorten the prompt or raise --context");
            }
            Backend backend = Backends.select(a.get("backend"), err);
            int[] stop = a.flag("ignore-eos") || tok == null || tok.eosId() < 0 ? new int[0] : new int[]{tok.eosId()};
            StreamDecoder sd = tok != null && !json ? tok.streamDecoder(true) : null;
            if (sd != null) for (int id : prompt) sd.accept(id);   // primed, so the first new piece keeps its leading space
            Generator.Result r;
            try (Decoder f = backend.open(c, lm.model().weights(), ctx, Math.min(a.getInt("batch", 128), ctx), a.get("device"))) {
                r = new Generator(f).generate(prompt, maxTokens, sampler, stop, id -> {
                    if (json) return;
                    if (sd != null) out.print(sd.accept(id));
                    else out.print(id + " ");
                    out.flush();
                });
            }
            if (json) {
                out.println(Json.write(toJson(prompt, r, tok)));
            } else {
                if (sd != null) out.print(sd.flush());
                out.println();
                err.printf("%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s%s%n", prompt.length, r.prefillTokensPerSecond(),
                        r.generated().length, r.decodeTokensPerSecond(), r.stoppedAtEos() ? " (end of sequence)" : "");
            }
        }
        return 0;
    }

    static int contextFor(Args a, ModelConfig c, int wanted) {
        int ctx = a.getInt("context", Math.min(c.contextLength(), Math.max(wanted, 512)));
        if (ctx < 1) throw new Args.UsageException("--context must be >= 1");
        if (ctx > c.contextLength()) {
            throw new IllegalArgumentException("--context " + ctx + " exceeds the model's maximum of " + c.contextLength() + " positions");
        }
        return ctx;
    }

    static Map<String, Object> toJson(int[] prompt, Generator.Result r, Tokenizer tok) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt_ids", prompt);
        m.put("generated_ids", r.generated());
        m.put("text", tok == null ? null : tok.decode(r.generated(), true));
        List<Object> steps = new ArrayList<>();
        for (Generator.Step s : r.steps()) {
            List<Object> top = new ArrayList<>();
            for (int i = 0; i < s.topIds().length; i++) top.add(List.of(s.topIds()[i], s.topLogits()[i]));
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("id", s.id());
            st.put("top", top);
            steps.add(st);
        }
        m.put("steps", steps);
        m.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
        m.put("decode_tokens_per_s", r.decodeTokensPerSecond());
        return m;
    }
}
