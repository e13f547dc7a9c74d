package dev.unimoe.tokenizer;

import dev.unimoe.formats.FormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json {@code decoder} steps. Each record is the configuration; {@link #open} makes a
 * fresh, stateful {@link DecodeStage} for one decode. {@code fused} tells a step that an earlier
 * step (Fuse, ByteLevel) already joined all tokens into one.
 */
sealed interface DecodeStep {

    DecodeStage open(DecodeStage next, boolean fused);

    /** Whether the output of this step is a single token. */
    default boolean fuses() { return false; }

    /** Builds the stage chain for {@code steps} (null: no decoder, tokens joined by spaces). */
    static DecodeStage chain(List<DecodeStep> steps, StringBuilder out) {
        DecodeStage stage = new DecodeStage.Sink(out, steps == null);
        if (steps == null) return stage;
        boolean[] fusedBefore = new boolean[steps.size()];
        boolean fused = false;
        for (int i = 0; i < steps.size(); i++) {
            fusedBefore[i] = fused;
            fused |= steps.get(i).fuses();
        }
        for (int i = steps.size() - 1; i >= 0; i--) stage = steps.get(i).open(stage, fusedBefore[i]);
        return stage;
    }

    record Replace(TextPattern pattern, String content) implements DecodeStep {
        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                void piece(String text, boolean tokenStart) {
                    next.piece(pattern.replaceAll(text, content), tokenStart);
                }
            };
        }
    }

    /**
     * Runs of {@code <0xXX>} tokens become one string if the run is valid UTF-8, otherwise one
     * U+FFFD per byte token (HF's rule). A run is therefore held until it ends.
     */
    record ByteFallback() implements DecodeStep {
        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                private final ByteArrayOutputStream run = new ByteArrayOutputStream();

                void piece(String text, boolean tokenStart) {
                    int b = fused || !tokenStart ? -1 : byteOf(text);
                    if (b >= 0) {
                        run.write(b);
                        return;
                    }
                    flushRun();
                    next.piece(text, tokenStart);
                }

                private void flushRun() {
                    if (run.size() == 0) return;
                    byte[] bytes = run.toByteArray();
                    run.reset();
                    if (Utf8.isValid(bytes, 0, bytes.length)) {
                        next.piece(new String(bytes, StandardCharsets.UTF_8), true);
                    } else {
                        for (int k = 0; k < bytes.length; k++) next.piece(String.valueOf(Utf8.REPLACEMENT), true);
                    }
                }

                @Override
                void finish() {
                    flushRun();
                    next.finish();
                }
            };
        }

        /** The byte of a {@code <0xXX>} token (either hex case, as Rust's from_str_radix), else -1. */
        static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }
    }

    record Fuse() implements DecodeStep {
        public boolean fuses() { return true; }

        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                private boolean first = true;

                void piece(String text, boolean tokenStart) {
                    next.piece(text, first);
                    first = false;
                }
            };
        }
    }

    /**
     * Removes up to {@code start} leading and {@code stop} trailing {@code content} chars of each
     * token; trailing candidates are held until the token is known to end.
     */
    record Strip(int content, int start, int stop) implements DecodeStep {
        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                private int startLeft;
                private boolean atStart;
                private int held; // trailing content chars not yet passed on (≤ stop)

                void piece(String text, boolean tokenStart) {
                    if (tokenStart) {
                        held = 0; // the previous token ended: its trailing content chars are dropped
                        startLeft = start;
                        atStart = true;
                    }
                    StringBuilder b = new StringBuilder(text.length());
                    for (int i = 0; i < text.length(); ) {
                        int c = text.codePointAt(i);
                        i += Character.charCount(c);
                        if (atStart && startLeft > 0 && c == content) { startLeft--; continue; }
                        atStart = false;
                        if (stop > 0 && c == content) {
                            if (held == stop) b.appendCodePoint(content); else held++;
                        } else {
                            for (; held > 0; held--) b.appendCodePoint(content);
                            b.appendCodePoint(c);
                        }
                    }
                    if (tokenStart || b.length() > 0) next.piece(b.toString(), tokenStart);
                }
            };
        }
    }

    /** SentencePiece decoding: replacement char → space, but dropped in the first token. */
    record Metaspace(int replacement, boolean prepend) implements DecodeStep {
        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                private int tokens;

                void piece(String text, boolean tokenStart) {
                    if (tokenStart) tokens++;
                    boolean drop = tokens == 1 && prepend;
                    StringBuilder b = new StringBuilder(text.length());
                    text.codePoints().forEach(c -> {
                        if (c != replacement) b.appendCodePoint(c);
                        else if (!drop) b.append(' ');
                    });
                    next.piece(b.toString(), tokenStart);
                }
            };
        }
    }

    /**
     * GPT-2 byte-level: every char maps back to its byte (a token with a char outside the
     * alphabet is taken as its own UTF-8), all bytes are joined and decoded lossily; an
     * incomplete trailing sequence is held until more bytes come or the input ends.
     */
    record ByteLevel() implements DecodeStep {
        public boolean fuses() { return true; }

        public DecodeStage open(DecodeStage next, boolean fused) {
            return new DecodeStage(next) {
                private byte[] buf = new byte[64];
                private int n;
                private boolean first = true;

                void piece(String text, boolean tokenStart) {
                    byte[] bytes = toBytes(text);
                    if (n + bytes.length > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + bytes.length));
                    System.arraycopy(bytes, 0, buf, n, bytes.length);
                    n += bytes.length;
                    emit(false);
                }

                private void emit(boolean last) {
                    StringBuilder b = new StringBuilder();
                    int used = Utf8.decode(buf, 0, n, last, b);
                    System.arraycopy(buf, used, buf, 0, n - used);
                    n -= used;
                    if (b.length() > 0 || (last && first)) {
                        next.piece(b.toString(), first);
                        first = false;
                    }
                }

                @Override
                void finish() {
                    emit(true);
                    next.finish();
                }
            };
        }

        static byte[] toBytes(String t) {
            byte[] out = new byte[t.length()];
            int k = 0;
            for (int i = 0; i < t.length(); ) {
                int c = t.codePointAt(i);
                int b = ByteLevelAlphabet.byteOf(c);
                if (b < 0) return t.getBytes(StandardCharsets.UTF_8);
                out[k++] = (byte) b;
                i += Character.charCount(c);
            }
            return java.util.Arrays.copyOf(out, k);
        }
    }

    /** Parses the decoder at {@code n}; null when absent (HF then joins tokens with spaces). */
    static List<DecodeStep> fromJson(JsonNode n) {
        if (n.isNull()) return null;
        List<DecodeStep> out = new ArrayList<>();
        add(n, out);
        return out;
    }

    private static void add(JsonNode n, List<DecodeStep> out) {
        String type = n.string("type");
        switch (type) {
            case "Sequence" -> {
                for (JsonNode d : n.require("decoders").asList()) add(d, out);
            }
            case "Replace" -> out.add(new Replace(TextPattern.fromJson(n.require("pattern")), n.string("content")));
            case "ByteFallback" -> out.add(new ByteFallback());
            case "Fuse" -> out.add(new Fuse());
            case "Strip" -> out.add(new Strip(n.codePoint("content"), n.integer("start", 0), n.integer("stop", 0)));
            case "Metaspace" -> out.add(new Metaspace(n.codePoint("replacement"),
                    !PreTokenizer.prependScheme(n).equals("never")));
            case "ByteLevel" -> out.add(new ByteLevel());
            default -> throw new FormatException(n.file(), n.path() + ".type",
                    "a supported decoder (Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace, ByteLevel), found \""
                            + type + "\"");
        }
    }
}
