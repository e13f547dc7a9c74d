package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import java.util.Map;

/**
 * What encoding with special tokens adds around the text: the ids before and after it. Read from
 * tokenizer.json's {@code post_processor} (single-sequence template only: pairs are not encoded).
 */
record SpecialTemplate(int[] prefix, int[] suffix) {
    static final SpecialTemplate NONE = new SpecialTemplate(new int[0], new int[0]);

    /** {@code outer} wraps this one, as HF's Sequence post-processor applies them in order. */
    SpecialTemplate wrappedBy(SpecialTemplate outer) {
        return new SpecialTemplate(concat(outer.prefix, prefix), concat(suffix, outer.suffix));
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static SpecialTemplate fromJson(JsonNode n) {
        if (n.isNull()) return NONE;
        String type = n.string("type");
        return switch (type) {
            case "TemplateProcessing" -> template(n);
            case "BertProcessing", "RobertaProcessing" -> new SpecialTemplate(
                    new int[] {pairId(n.require("cls"))}, new int[] {pairId(n.require("sep"))});
            case "ByteLevel" -> NONE;
            case "Sequence" -> {
                SpecialTemplate t = NONE;
                for (JsonNode p : n.require("processors").asList()) t = t.wrappedBy(fromJson(p));
                yield t;
            }
            default -> throw new FormatException(n.file(), n.path() + ".type",
                    "a supported post-processor (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
                            + "Sequence), found \"" + type + "\"");
        };
    }

    /** {@code ["[CLS]", 101]}. */
    private static int pairId(JsonNode n) {
        var l = n.asList();
        if (l.size() != 2) throw n.error("a [token, id] pair");
        return l.get(1).asInt();
    }

    private static SpecialTemplate template(JsonNode n) {
        JsonNode specials = n.require("special_tokens");
        IntList prefix = new IntList(), suffix = new IntList();
        boolean seenSequence = false;
        for (JsonNode item : n.require("single").asList()) {
            Map<String, Object> m = item.asMap();
            if (item.has("Sequence")) {
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").string("id");
                JsonNode spec = specials.get(name);
                if (spec.isNull()) {
                    throw new FormatException(n.file(), specials.path() + "." + name,
                            "an entry for the special token \"" + name + "\" used in " + item.path());
                }
                for (JsonNode id : spec.require("ids").asList()) (seenSequence ? suffix : prefix).add(id.asInt());
            } else {
                throw item.error("{\"Sequence\": …} or {\"SpecialToken\": …}, found keys " + m.keySet());
            }
        }
        return new SpecialTemplate(prefix.toArray(), suffix.toArray());
    }
}
