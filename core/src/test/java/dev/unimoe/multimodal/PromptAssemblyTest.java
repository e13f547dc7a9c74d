package dev.unimoe.multimodal;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Json;
import dev.unimoe.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vicuna prompt and placeholder ids of every unimoe-tiny case, as Uni-MoE builds them. */
class PromptAssemblyTest {
    @SuppressWarnings("unchecked")
    @Test
    void everyCaseGivesTheReferencePromptAndIds() throws Exception {
        Map<String, Object> meta = Json.parseObject(Files.readString(Fixtures.path("unimoe-tiny", "meta.json")), "meta.json");
        Tokenizer tok = Tokenizer.fromHfDirectory(Fixtures.path("tokenizer-llama"));
        for (Object o : (List<Object>) meta.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> inputs = (Map<String, Object>) c.get("inputs");
            Map<Modality, Integer> counts = new EnumMap<>(Modality.class);
            for (String kind : inputs.keySet()) {
                Modality m = kind.equals("video_frames") ? Modality.VIDEO : Modality.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
                counts.merge(m, 1, Integer::sum);
            }
            String prompt = PromptTemplate.VICUNA.build((String) c.get("query"), counts);
            assertEquals(c.get("prompt"), prompt, (String) c.get("id"));
            int[] want = ((List<Object>) c.get("input_ids")).stream().mapToInt(x -> ((BigDecimal) x).intValue()).toArray();
            assertArrayEquals(want, PlaceholderTokenizer.encode(tok, prompt), (String) c.get("id"));
            assertEquals(prompt, PromptTemplate.NONE.build(prompt, counts));
        }
    }
}
