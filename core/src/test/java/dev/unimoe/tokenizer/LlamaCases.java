package dev.unimoe.tokenizer;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The 44 reference cases of fixtures/tokenizer-llama/cases.json (HF tokenizers 0.23.1). */
record LlamaCases(String name, String text, int[] idsWithSpecial, int[] idsWithoutSpecial,
                  String decodeWithSpecial, String decodeSkipSpecial, String decodeOfIdsWithoutSpecial) {

    static Path dir() {
        return Fixtures.path("tokenizer-llama");
    }

    @SuppressWarnings("unchecked")
    static List<LlamaCases> load() throws IOException {
        Path p = Fixtures.path("tokenizer-llama", "cases.json");
        Map<String, Object> root = Json.parseObject(Files.readString(p), p.toString());
        return ((List<Object>) root.get("cases")).stream().map(o -> {
            Map<String, Object> c = (Map<String, Object>) o;
            return new LlamaCases((String) c.get("name"), (String) c.get("text"), ids(c.get("ids_with_special")),
                    ids(c.get("ids_without_special")), (String) c.get("decode_with_special"),
                    (String) c.get("decode_skip_special"), (String) c.get("decode_of_ids_without_special"));
        }).toList();
    }

    @SuppressWarnings("unchecked")
    static int[] ids(Object o) {
        return ((List<Object>) o).stream().mapToInt(x -> ((BigDecimal) x).intValueExact()).toArray();
    }

    /** Decodes id by id through a StreamDecoder, concatenating every returned piece. */
    static String streamDecode(Tokenizer t, int[] ids, boolean skipSpecial) {
        StreamDecoder d = t.streamDecoder(skipSpecial);
        StringBuilder b = new StringBuilder();
        for (int id : ids) b.append(d.accept(id));
        return b.append(d.flush()).toString();
    }
}
