package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prints encode/decode throughput on a long text (informational: no timing assertion). */
class TokenizerThroughputTest {

    static String longText() {
        StringBuilder b = new StringBuilder();
        String[] parts = {
            "The quick brown fox jumps over the lazy dog. ", "def add(a, b):\n    return a + b\n",
            "Ångström, naïve café; 中文分词测试 and 日本語のテキスト. ", "Numbers 3.14159 and 2,718 and -42! ",
            "I ❤️ 🦀 — emoji and symbols (#$%&*) ", "It was the best of times, it was the worst of times. "};
        for (int i = 0; b.length() < 60_000; i++) b.append(parts[i % parts.length]).append(i).append('\n');
        return b.toString();
    }

    @Test
    void throughput() throws Exception {
        String text = longText();
        Tokenizer hf = Tokenizer.fromHfDirectory(LlamaCases.dir());
        Map<String, Object> meta = TokenizerGgufSpmTest.metadataFromTokenizerJson(LlamaCases.dir().resolve("tokenizer.json"));
        Tokenizer spm = Tokenizer.fromGgufMetadata(meta, "built");
        for (var e : Map.of("tokenizer.json BPE", hf, "GGUF SentencePiece", spm).entrySet()) {
            Tokenizer t = e.getValue();
            int[] ids = null;
            for (int warm = 0; warm < 3; warm++) ids = t.encode(text, false);
            long t0 = System.nanoTime();
            int reps = 5;
            for (int r = 0; r < reps; r++) ids = t.encode(text, false);
            double sec = (System.nanoTime() - t0) / 1e9 / reps;
            long t1 = System.nanoTime();
            String back = t.decode(ids, false);
            double dsec = (System.nanoTime() - t1) / 1e9;
            assertEquals(text, back);
            System.out.printf("[tokenizer] %s: %d chars -> %d tokens, encode %.1f ms (%.0f tokens/s), decode %.1f ms%n",
                    e.getKey(), text.length(), ids.length, sec * 1e3, ids.length / sec, dsec * 1e3);
        }
        // one 300k-char word (no pre-tokenizer): must not be quadratic (informational: printed, not asserted)
        String word = "a".repeat(300_000);
        long t0 = System.nanoTime();
        int n = hf.encode(word, false).length;
        System.out.printf("[tokenizer] 300k x 'a' (single word): %d tokens in %.1f ms%n", n, (System.nanoTime() - t0) / 1e6);
    }
}
