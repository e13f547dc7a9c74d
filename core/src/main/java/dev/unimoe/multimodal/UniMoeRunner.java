package dev.unimoe.multimodal;

import dev.unimoe.model.Decoder;
import dev.unimoe.model.Generator;
import dev.unimoe.model.Sampler;
import dev.unimoe.model.Trace;
import dev.unimoe.runtime.Backend;
import dev.unimoe.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One Uni-MoE request end to end: prompt (template + placeholder ids), media encoded in order,
 * splicing, batched prefill of the spliced rows, then decoding. Used by {@code unimoe run} and the tests.
 */
public final class UniMoeRunner {
    /** What a run produced: ids with placeholders, rows per medium (in input order), the spliced prompt, generation, timings. */
    public record Result(String prompt, int[] promptIds, List<Integer> mediaRows, Spliced spliced, Generator.Result generation, StageTimes times) {}

    private final UniMoeModel model;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final String device;

    public UniMoeRunner(UniMoeModel model, Tokenizer tokenizer, Backend backend, String device) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.device = device;
    }

    public Result run(String query, List<MediaInput> media, PromptTemplate template, int frames, int maxTokens, Sampler sampler,
                      int[] stopIds, Trace trace, java.util.function.IntConsumer onToken) {
        Map<Modality, Integer> counts = new EnumMap<>(Modality.class);
        for (MediaInput m : media) counts.merge(m.kind(), 1, Integer::sum);
        String prompt = template.build(query, counts);
        int[] ids = PlaceholderTokenizer.encode(tokenizer, prompt);
        StageTimes times = new StageTimes();
        // media are encoded in the order given; placeholders of one kind take them in that order
        Map<Modality, List<float[]>> rows = new EnumMap<>(Modality.class);
        List<Integer> mediaRows = new ArrayList<>();
        int H = model.hidden();
        Splicer.checkPlaceholders(ids, counts);            // before any medium is decoded
        for (MediaInput m : media) {
            float[] emb = switch (m.kind()) {
                case IMAGE -> model.encodeImage(m.path(), times);
                case AUDIO -> model.encodeAudio(m.path(), times);
                case VIDEO -> model.encodeVideo(m.path(), frames, times);
                case TEXT -> throw new IllegalArgumentException("text is not a medium");
            };
            rows.computeIfAbsent(m.kind(), k -> new ArrayList<>()).add(emb);
            mediaRows.add(emb.length / H);
        }
        int needed = 0;
        for (int id : ids) needed += id >= 0 ? 1 : 0;
        for (int r : mediaRows) needed += r;
        // never beyond the model's context: a prompt that does not fit fails in the generator with both sizes
        int ctx = Math.min(model.llm().config().contextLength(), needed + maxTokens);
        Spliced s;
        Generator.Result g;
        try (Decoder f = backend.open(model.llm().config(), model.llm().weights(), ctx, Math.min(128, Math.max(1, needed)), device)) {
            s = Splicer.splice(f, ids, rows, H);
            f.setTrace(trace);
            g = new Generator(f).generateFromEmbeddings(s.embeddings(), s.rows(), maxTokens, sampler, stopIds, onToken);
        }
        times.add("prefill", g.prefillNanos());
        times.add("decode", g.decodeNanos());
        return new Result(prompt, ids, mediaRows, s, g, times);
    }
}
