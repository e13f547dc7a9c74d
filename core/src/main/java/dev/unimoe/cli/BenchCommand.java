package dev.unimoe.cli;

import dev.unimoe.formats.Json;
import dev.unimoe.kernels.Parallel;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Sampler;
import dev.unimoe.runtime.Backend;
import dev.unimoe.runtime.Backends;
import dev.unimoe.runtime.MachineProfile;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code unimoe bench}: prefill and decode tokens/s, weight bytes read per decoded token, the
 * bandwidth that implies and its share of the machine's measured read bandwidth, and peak RSS.
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("bench", argv, 1, Set.of("model", "prompt-tokens", "decode-tokens", "repeat", "seed", "backend", "device"), Set.of("json", "quiet"));
        int P = a.getInt("prompt-tokens", 64), N = a.getInt("decode-tokens", 32), R = a.getInt("repeat", 3);
        if (P < 1 || N < 1 || R < 1) throw new Args.UsageException("bench: --prompt-tokens, --decode-tokens and --repeat must be >= 1");
        boolean json = a.flag("json");
        try (LoadedModel lm = LoadedModel.load(a.require("model"), !a.flag("quiet") && !json)) {
            ModelConfig c = lm.model().config();
            int ctx = Math.min(c.contextLength(), P + N + 1);
            if (P + N + 1 > c.contextLength()) throw new IllegalArgumentException("prompt + decode tokens exceed the model's context of " + c.contextLength());
            Backend backend = Backends.select(a.get("backend"), err);
            try (Decoder f = backend.open(c, lm.model().weights(), ctx, Math.min(P, 128), a.get("device"))) {
                report(a, f, lm, backend, c, P, N, R, json, out, err);
            }
        }
        return 0;
    }

    private static void report(Args a, Decoder f, LoadedModel lm, Backend backend, ModelConfig c, int P, int N, int R, boolean json,
                               PrintStream out, PrintStream err) {
        SplittableRandom rnd = new SplittableRandom(a.getLong("seed", 1));
        int[] prompt = new int[P];
        for (int i = 0; i < P; i++) prompt[i] = rnd.nextInt(c.vocabSize());
        float[] emb = new float[P * c.hidden()], one = new float[c.hidden()], logits = new float[c.vocabSize()];
        f.embed(prompt, 0, P, emb);
        double[] prefill = new double[R + 1], decode = new double[R + 1], decodeCpu = new double[R + 1], prefillCpu = new double[R + 1];
        long[] ticks0 = null;
        for (int r = 0; r <= R; r++) {                       // round 0 warms the JIT up and is dropped
            if (r == 1) ticks0 = MachineProfile.cpuTicks();
            double[] rates = round(f, emb, one, logits, P, N);
            prefill[r] = rates[0];
            decode[r] = rates[1];
            decodeCpu[r] = rates[2];
            prefillCpu[r] = rates[3];
            if (!json && !a.flag("quiet")) err.printf("round %d: prefill %.1f tok/s, decode %.1f tok/s%s%n", r, prefill[r], decode[r], r == 0 ? " (warm-up)" : "");
        }
        // a backend with its own profiler gets one more round with it on: it slows an accelerator down, so it stays out of the timed rounds
        if (f.setProfiling(true)) {
            round(f, emb, one, logits, P, N);
            f.setProfiling(false);
        }
        double steal = MachineProfile.stealShare(ticks0, MachineProfile.cpuTicks());
        double pf = median(Arrays.copyOfRange(prefill, 1, R + 1)), dc = median(Arrays.copyOfRange(decode, 1, R + 1));
        // the best round too: on a shared machine it is the steadier figure for comparing builds
        double pfBest = Arrays.stream(prefill, 1, R + 1).max().orElse(Double.NaN), dcBest = Arrays.stream(decode, 1, R + 1).max().orElse(Double.NaN);
        double cpuMs = median(Arrays.copyOfRange(decodeCpu, 1, R + 1)), prefillCpuMs = median(Arrays.copyOfRange(prefillCpu, 1, R + 1));
        long bytesPerToken = lm.model().weights().activeBytesPerToken(Math.max(1, c.expertsPerToken()));
        double achieved = bytesPerToken * dc;
        long rss = MachineProfile.peakRss();                 // before the bandwidth probe adds its 1 GiB
        double machine = MachineProfile.readBandwidth(1L << 30, 3);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", lm.model().source().toString());
        m.put("backend", backend.name());
        m.put("device", backend.devices().isEmpty() ? "" : backend.devices().get(0));   // an accelerator's stats name the one used
        m.putAll(f.stats());
        m.put("threads", Parallel.threads());
        m.put("formats", lm.model().weights().formatCounts().keySet());
        m.put("prompt_tokens", P);
        m.put("decode_tokens", N);
        m.put("prefill_tokens_per_s", round(pf));
        m.put("decode_tokens_per_s", round(dc));
        m.put("prefill_tokens_per_s_best", round(pfBest));
        m.put("decode_tokens_per_s_best", round(dcBest));
        m.put("prefill_cpu_ms_per_token", round(prefillCpuMs));
        m.put("decode_cpu_ms_per_token", round(cpuMs));
        m.put("steal_share", Double.isNaN(steal) ? null : round(steal));
        m.put("weight_bytes_per_decoded_token", bytesPerToken);
        m.put("achieved_gb_per_s", round(achieved / 1e9));
        m.put("machine_read_gb_per_s", round(machine / 1e9));
        m.put("share_of_bandwidth", round(achieved / machine));
        m.put("peak_rss_bytes", rss);
        if (json) {
            out.println(Json.write(m));
        } else {
            out.printf("prefill  %8.1f tok/s  (%d-token prompt, median of %d; best %.1f)%n", pf, P, R, pfBest);
            out.printf("decode   %8.1f tok/s  (%d tokens, median of %d; best %.1f)%n", dc, N, R, dcBest);
            out.printf("prefill CPU time %.2f ms per prompt token, all engine threads (%.1f tok/s per CPU-second)%n", prefillCpuMs, 1000 / prefillCpuMs);
            out.printf("decode CPU time  %.2f ms per token, all engine threads (%.1f tok/s per CPU-second)%n", cpuMs, 1000 / cpuMs);
            if (!Double.isNaN(steal)) out.printf("host steal       %.0f%% of this machine's CPU time during the timed rounds%s%n", 100 * steal,
                    steal > 0.05 ? " (a shared machine: wall-clock rates are lower by about that share)" : "");
            out.printf("weights read per decoded token  %s%n", InspectCommand.human(bytesPerToken));
            out.printf("achieved %.2f GB/s of %.2f GB/s measured read bandwidth (%.0f%%)%n", achieved / 1e9, machine / 1e9, 100 * achieved / machine);
            out.printf("peak RSS %s%n", InspectCommand.human(rss));
            out.printf("backend  %s (%s)%n", backend.name(), m.get("device"));
            for (var e : f.stats().entrySet()) if (!e.getKey().equals("device")) out.printf("%s %s%n", e.getKey(), e.getValue());
        }
    }

    /**
     * A P-row prompt, then N greedy decode steps; returns {prefill, decode} tokens/s and the
     * process CPU milliseconds per decoded and per prompt token (idle workers spin briefly, so
     * this counts that too). CPU time is steadier than wall time on a shared machine.
     */
    private static double[] round(Decoder f, float[] emb, float[] one, float[] logits, int P, int N) {
        long t0 = System.nanoTime(), c0 = MachineProfile.processCpuNanos();
        f.forward(emb, P, 0, logits, false);
        double prefill = P * 1e9 / (System.nanoTime() - t0);
        long t1 = System.nanoTime(), c1 = MachineProfile.processCpuNanos();
        for (int i = 0; i < N; i++) {
            f.embed(new int[]{Sampler.argmax(logits)}, 0, 1, one);
            f.forward(one, 1, P + i, logits, false);
        }
        long t2 = System.nanoTime(), c2 = MachineProfile.processCpuNanos();
        return new double[]{prefill, N * 1e9 / (t2 - t1), c1 < 0 ? Double.NaN : (c2 - c1) / 1e6 / N, c0 < 0 ? Double.NaN : (c1 - c0) / 1e6 / P};
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
