package dev.unimoe.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.unimoe.formats.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * transformers 5 replaces the file's normalizer with a {@code Metaspace(prepend_scheme="always",
 * split=false)} pre-tokenizer; cases.json records the ids it produced. The same change made to
 * the tokenizer.json must reproduce them, which exercises the Metaspace pre-tokenizer.
 */
class TokenizerMetaspaceVariantTest {
    @TempDir
    static Path tmp;

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> transformersIds() throws IOException {
        Path src = LlamaCases.dir().resolve("tokenizer.json");
        Map<String, Object> root = Json.parseObject(Files.readString(src), src.toString());
        root.put("normalizer", null);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("type", "Metaspace");
        meta.put("replacement", "▁");
        meta.put("prepend_scheme", "always");
        meta.put("split", false);
        root.put("pre_tokenizer", meta);
        Files.writeString(tmp.resolve("tokenizer.json"), Json.write(root));
        Tokenizer t = Tokenizer.fromHfDirectory(tmp);

        Path casesFile = LlamaCases.dir().resolve("cases.json");
        List<Object> cases = (List<Object>) Json.parseObject(Files.readString(casesFile), casesFile.toString()).get("cases");
        return cases.stream().map(o -> {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> tf = (Map<String, Object>) c.get("transformers_autotokenizer");
            String text = (String) c.get("text");
            return dynamicTest((String) c.get("name"), () -> {
                int[] with = LlamaCases.ids(tf.get("ids_with_special"));
                assertArrayEquals(with, t.encode(text, true));
                assertArrayEquals(LlamaCases.ids(tf.get("ids_without_special")), t.encode(text, false));
                assertEquals(tf.get("decode_with_special"), t.decode(with, false));
                assertEquals(tf.get("decode_skip_special"), t.decode(with, true));
            });
        });
    }
}
