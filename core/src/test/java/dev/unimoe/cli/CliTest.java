package dev.unimoe.cli;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unimoe command end to end, as a user runs it (in-process, streams captured). */
class CliTest {
    @TempDir Path dir;

    record Run(int status, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() { return (Map<String, Object>) Json.parse(out.trim(), "stdout"); }
    }

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int st = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(st, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static List<Integer> ints(Object o) {
        return ((List<?>) o).stream().map(x -> ((BigDecimal) x).intValue()).toList();
    }

    static final List<Integer> HF_GREEDY_P0 = List.of(4830, 2225, 5716, 30430, 2129, 1379, 5048, 19569, 11483, 28614, 9260, 19712, 19569,
            20503, 12455, 18313, 9720, 19712, 19569, 2256);

    @Test
    void generateJsonGreedyEqualsTransformers() {
        Run r = run("generate", "--model", Fixtures.path("moe-mixtral").toString(), "--prompt", "Once upon a time",
                "--max-tokens", "20", "--temperature", "0", "--json", "--quiet");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertEquals(List.of(1, 5713, 3714, 264, 727), ints(j.get("prompt_ids")));
        assertEquals(HF_GREEDY_P0, ints(j.get("generated_ids")));
        List<?> steps = (List<?>) j.get("steps");
        assertEquals(20, steps.size());
        for (Object s : steps) {
            Map<?, ?> st = (Map<?, ?>) s;
            List<?> top = (List<?>) st.get("top");
            assertEquals(5, top.size());
            assertEquals(((BigDecimal) st.get("id")).intValue(), ((BigDecimal) ((List<?>) top.get(0)).get(0)).intValue(), "greedy id is the top-1");
        }
        assertTrue(((String) j.get("text")).startsWith("Coun perform student"), (String) j.get("text")); // = HF decode(new ids)
        assertTrue(((BigDecimal) j.get("decode_tokens_per_s")).doubleValue() > 0);
    }

    @Test
    void generateStreamsTextAndSeedsRepeat() {
        String m = Fixtures.path("moe-qwen2").toString();
        Run a = run("generate", "--model", m, "--prompt-ids", "1,661,403", "--max-tokens", "12", "--temperature", "1.0", "--seed", "7", "--json", "--quiet");
        Run b = run("generate", "--model", m, "--prompt-ids", "1,661,403", "--max-tokens", "12", "--temperature", "1.0", "--seed", "7", "--json", "--quiet");
        Run c = run("generate", "--model", m, "--prompt-ids", "1,661,403", "--max-tokens", "12", "--temperature", "1.0", "--seed", "8", "--json", "--quiet");
        assertEquals(ints(a.json().get("generated_ids")), ints(b.json().get("generated_ids")));
        assertNotEquals(ints(a.json().get("generated_ids")), ints(c.json().get("generated_ids")));
        Run text = run("generate", "--model", Fixtures.path("moe-mixtral").toString(), "--prompt", "Once upon a time", "--max-tokens", "3",
                "--temperature", "0", "--quiet");
        assertEquals(0, text.status(), text.err());
        assertEquals(" Coun perform student\n", text.out(), "streamed continuation keeps its leading space (HF full_text)");
        assertTrue(text.err().contains("tok/s"), text.err());
    }

    @Test
    void tokenizeFromATokenizerOnlyFolderAndFromGguf() {
        Run r = run("tokenize", "--model", Fixtures.path("tokenizer-llama").toString(), "--text", "Hello world", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(1, 22557, 1526), ints(r.json().get("ids")));
        Run g = run("tokenize", "--model", Fixtures.path("tokenizer-llama", "vocab.gguf").toString(), "--text", "Hello world", "--no-special", "--json");
        assertEquals(List.of(22557, 1526), ints(g.json().get("ids")));
    }

    @Test
    void devicesListsTheCpuAndItsThreads() {
        Run r = run("devices", "--json");
        assertEquals(0, r.status(), r.err());
        List<?> backends = (List<?>) r.json().get("backends");
        Map<?, ?> cpu = (Map<?, ?>) backends.get(0);
        assertEquals("cpu", cpu.get("backend"));
        assertEquals(Boolean.TRUE, cpu.get("available"));
        assertTrue(String.valueOf(cpu.get("devices")).contains(dev.unimoe.kernels.Parallel.threads() + " threads"), r.out());
        Run text = run("devices");
        assertTrue(text.out().startsWith("cpu\n  cpu: "), text.out());
    }

    @Test
    void inspectCountsParameters() {
        Run r = run("inspect", "--model", Fixtures.path("moe-mixtral").toString(), "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertEquals(4318016, ((BigDecimal) j.get("parameters_total")).intValue()); // fixture README
        // active: everything but 2 of the 4 experts in each of 2 layers (3 · 128 · 64 weights per expert)
        assertEquals(4318016 - 2 * 2 * 3 * 128 * 64, ((BigDecimal) j.get("parameters_active_per_token")).intValue());
        assertEquals(4, ((BigDecimal) j.get("experts")).intValue());
    }

    @Test
    void convertedGgufGeneratesTheSameTokens() {
        Path out = dir.resolve("m.gguf");
        Run c = run("convert", "--model", Fixtures.path("moe-mixtral").toString(), "--out", out.toString(), "--type", "f32", "--quiet");
        assertEquals(0, c.status(), c.err());
        Run g = run("generate", "--model", out.toString(), "--prompt", "Once upon a time", "--max-tokens", "20", "--temperature", "0", "--json", "--quiet");
        assertEquals(0, g.status(), g.err());
        assertEquals(HF_GREEDY_P0, ints(g.json().get("generated_ids")), "F32 GGUF (pairwise RoPE layout) = HF greedy");
    }

    @Test
    void randomModelConvertsAndBenches() {
        Path out = dir.resolve("r.gguf");
        Run c = run("convert", "--random", "--out", out.toString(), "--type", "q4_0", "--hidden", "64", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--experts", "4", "--ffn", "64", "--vocab", "256", "--quiet");
        assertEquals(0, c.status(), c.err());
        Run b = run("bench", "--model", out.toString(), "--prompt-tokens", "8", "--decode-tokens", "4", "--repeat", "1", "--json", "--quiet");
        assertEquals(0, b.status(), b.err());
        Map<String, Object> j = b.json();
        assertTrue(((BigDecimal) j.get("decode_tokens_per_s")).doubleValue() > 0);
        assertTrue(((BigDecimal) j.get("machine_read_gb_per_s")).doubleValue() > 0);
        assertTrue(((BigDecimal) j.get("weight_bytes_per_decoded_token")).longValue() > 0);
        assertTrue(((BigDecimal) j.get("decode_cpu_ms_per_token")).doubleValue() > 0, "decode CPU time is measured");
        assertTrue(((BigDecimal) j.get("prefill_cpu_ms_per_token")).doubleValue() > 0, "prefill CPU time is measured");
        assertTrue(((BigDecimal) j.get("prefill_tokens_per_s_best")).doubleValue() >= ((BigDecimal) j.get("prefill_tokens_per_s")).doubleValue(), "best round >= median");
        assertTrue(((BigDecimal) j.get("decode_tokens_per_s_best")).doubleValue() >= ((BigDecimal) j.get("decode_tokens_per_s")).doubleValue(), "best round >= median");
        if (j.get("steal_share") instanceof BigDecimal steal) {   // Linux: from /proc/stat
            assertTrue(steal.doubleValue() >= 0 && steal.doubleValue() <= 1, "steal share " + steal);
        }
    }

    @Test
    void kQuantRandomModelConvertsInspectsAndGenerates() {
        Path out = dir.resolve("k.gguf");
        Run c = run("convert", "--random", "--out", out.toString(), "--type", "q5_k", "--hidden", "256", "--layers", "1", "--heads", "4",
                "--kv-heads", "2", "--experts", "2", "--ffn", "256", "--vocab", "300", "--quiet");
        assertEquals(0, c.status(), c.err());
        Run i = run("inspect", "--model", out.toString(), "--json");
        assertEquals(0, i.status(), i.err());
        @SuppressWarnings("unchecked") Map<String, Object> formats = (Map<String, Object>) i.json().get("weight_formats");
        assertTrue(formats.containsKey("Q5_K") && formats.containsKey("Q6_K"), "formats " + formats);
        Run g = run("generate", "--model", out.toString(), "--prompt-ids", "1,2,3", "--max-tokens", "3", "--temperature", "0", "--json", "--quiet");
        assertEquals(0, g.status(), g.err());
        assertEquals(3, ((java.util.List<?>) g.json().get("generated_ids")).size());
        Run bad = run("convert", "--random", "--out", out.toString(), "--type", "q3_k");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("q4_k, q5_k, q6_k"), bad.err());
    }

    @Test
    void badUseGivesOneClearLine() {
        Run unknown = run("frobnicate");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
        Run noModel = run("generate", "--prompt", "x");
        assertEquals(2, noModel.status());
        assertTrue(noModel.err().contains("--model is required"), noModel.err());
        Run badOpt = run("generate", "--model", "x", "--promt", "x");
        assertTrue(badOpt.err().contains("unknown option --promt"), badOpt.err());
        Run missing = run("generate", "--model", dir.resolve("absent").toString(), "--prompt", "x");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("absent") && missing.err().lines().count() == 1, missing.err());
        Run longPrompt = run("generate", "--model", Fixtures.path("moe-mixtral").toString(), "--prompt", "one two three four five six",
                "--context", "4", "--quiet");
        assertEquals(1, longPrompt.status());
        assertTrue(longPrompt.err().contains("context"), longPrompt.err());
        Run badId = run("generate", "--model", Fixtures.path("moe-mixtral").toString(), "--prompt-ids", "1,32000", "--quiet");
        assertTrue(badId.err().contains("32000") && badId.err().contains("vocabulary"), badId.err());
        Run badType = run("convert", "--model", "x", "--out", "y", "--type", "q3");
        assertTrue(badType.err().contains("--type must be one of"), badType.err());
    }
}
