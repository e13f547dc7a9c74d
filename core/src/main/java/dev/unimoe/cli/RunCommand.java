package dev.unimoe.cli;

import dev.unimoe.formats.FormatException;
import dev.unimoe.formats.Json;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.multimodal.MediaInput;
import dev.unimoe.multimodal.Modality;
import dev.unimoe.multimodal.PromptTemplate;
import dev.unimoe.multimodal.RoutingRecorder;
import dev.unimoe.multimodal.UniMoeModel;
import dev.unimoe.multimodal.UniMoeRunner;
import dev.unimoe.runtime.Backend;
import dev.unimoe.runtime.Backends;
import dev.unimoe.tokenizer.StreamDecoder;
import dev.unimoe.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code unimoe run}: a Uni-MoE checkpoint on text plus images, audio and video. */
final class RunCommand {
    private RunCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("run", argv, 1, Set.of("model", "image", "audio", "video", "frames", "prompt", "template", "max-tokens", "temperature",
                "top-k", "top-p", "seed", "routing", "tokenizer", "max-audio-seconds", "backend", "device"), Set.of("json", "quiet", "ignore-eos"));
        Path dir = Path.of(a.require("model"));
        String query = a.require("prompt");
        int frames = a.getInt("frames", 8), maxTokens = a.getInt("max-tokens", 64);
        if (frames < 1) throw new Args.UsageException("run: --frames must be >= 1");
        if (maxTokens < 1) throw new Args.UsageException("run: --max-tokens must be >= 1");
        PromptTemplate template;
        try {
            template = PromptTemplate.parse(a.get("template") == null ? "vicuna" : a.get("template"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("run: " + e.getMessage());
        }
        List<MediaInput> media = new ArrayList<>();
        // inputs in the order the default template places them: images, audio, video
        for (String f : a.all("image")) media.add(new MediaInput(Modality.IMAGE, existing(f, "--image")));
        for (String f : a.all("audio")) media.add(new MediaInput(Modality.AUDIO, existing(f, "--audio")));
        for (String f : a.all("video")) media.add(new MediaInput(Modality.VIDEO, existing(f, "--video")));
        Sampler sampler = new Sampler(a.getFloat("temperature", 0.2f), a.getInt("top-k", 0), a.getFloat("top-p", 1f), a.getLong("seed", 0));
        boolean json = a.flag("json");
        Path tokDir = a.has("tokenizer") ? Path.of(a.get("tokenizer")) : dir;
        if (!Files.isRegularFile(tokDir.resolve("tokenizer.json"))) {
            throw new FormatException(tokDir.toString(), "no tokenizer.json here; pass --tokenizer DIR with the checkpoint's tokenizer files");
        }
        Tokenizer tok = Tokenizer.fromHfDirectory(tokDir);
        Backend backend = Backends.select(a.get("backend"), err);
        try (UniMoeModel m = UniMoeModel.load(dir, backend.kernels(), new Progress("loading " + dir.getFileName(), !a.flag("quiet") && !json))) {
            if (a.has("max-audio-seconds")) m.setMaxAudioSeconds(a.getFloat("max-audio-seconds", 600));
            ModelConfig c = m.llm().config();
            RoutingRecorder routing = a.has("routing") ? new RoutingRecorder(c.layers(), Math.max(1, c.expertsPerToken())) : null;
            int[] stop = a.flag("ignore-eos") || tok.eosId() < 0 ? new int[0] : new int[]{tok.eosId()};
            StreamDecoder sd = json ? null : tok.streamDecoder(true);
            UniMoeRunner.Result r = new UniMoeRunner(m, tok, backend, a.get("device")).run(query, media, template, frames, maxTokens, sampler, stop, routing,
                    id -> {
                        if (sd == null) return;
                        out.print(sd.accept(id));
                        out.flush();
                    });
            if (routing != null) {
                Path f = Path.of(a.get("routing"));
                try {
                    Files.writeString(f, Json.write(routing.toJson(r.spliced(), r.generation().generated(), c.experts())) + "\n");
                } catch (IOException e) {
                    throw new FormatException(f.toString(), "cannot be written: " + e.getMessage());
                }
            }
            if (json) {
                Map<String, Object> j = GenerateCommand.toJson(r.promptIds(), r.generation(), tok);
                List<Object> rows = new ArrayList<>();
                for (int i = 0; i < media.size(); i++) {
                    rows.add(Map.of("kind", media.get(i).kind().label(), "file", media.get(i).path().toString(), "rows", r.mediaRows().get(i)));
                }
                j.put("media", rows);
                j.put("spliced_length", r.spliced().rows());
                j.put("stage_seconds", r.times().seconds());
                out.println(Json.write(j));
            } else {
                out.print(sd.flush());
                out.println();
                if (!a.flag("quiet")) err.println("stages (s): " + r.times().seconds());
            }
        }
        return 0;
    }

    private static Path existing(String f, String opt) {
        Path p = Path.of(f);
        if (!Files.exists(p)) throw new FormatException(f, opt + " file not found");
        return p;
    }
}
