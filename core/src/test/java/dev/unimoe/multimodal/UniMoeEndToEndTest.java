package dev.unimoe.multimodal;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Sampler;
import dev.unimoe.tensor.I32Tensor;
import dev.unimoe.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real images, speech and video frames through CLIP, Whisper, the aligner, the projectors and the
 * MoE decoder, against the Uni-MoE reference: prompt ids with placeholders, rows per medium,
 * every spliced embedding (relative 1e-4 of the largest value, the fixture's float32 acceptance),
 * the routing of every layer and the 12-token greedy continuation (exact).
 */
class UniMoeEndToEndTest {
    static UniMoeModel model;
    static Tokenizer tok;
    static Safetensors ref;

    @BeforeAll
    static void load() {
        model = UniMoeModel.load(Fixtures.path("unimoe-tiny"), CpuKernels.INSTANCE, null);
        tok = Tokenizer.fromHfDirectory(Fixtures.path("tokenizer-llama"));
        ref = Safetensors.open(Fixtures.path("unimoe-tiny", "reference.safetensors"));
    }

    @AfterAll
    static void close() {
        model.close();
        ref.close();
    }

    record Case(String id, String query, List<MediaInput> media, int[] rows) {
        @Override public String toString() { return id; }
    }

    static Path fx(String... p) {
        return Fixtures.path("unimoe-tiny").resolve(Path.of("", p)).normalize();
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a_image", "What is the animal in this picture doing?",
                        List.of(new MediaInput(Modality.IMAGE, fx("..", "clip-vision", "images", "chelsea_256x170.png"))), new int[]{49}),
                new Case("b_audio", "What is the speaker talking about?",
                        List.of(new MediaInput(Modality.AUDIO, fx("..", "whisper-audio", "audio", "en-Wikipedia-Ignore_All_Rules.wav"))), new int[]{16}),
                new Case("c_image_audio", "Describe the picture and summarize the speech.",
                        List.of(new MediaInput(Modality.IMAGE, fx("..", "clip-vision", "images", "coffee_256x171.jpg")),
                                new MediaInput(Modality.AUDIO, fx("..", "whisper-audio", "audio", "jfk.wav"))), new int[]{49, 8}),
                new Case("d_video", "What happens in this video?", List.of(new MediaInput(Modality.VIDEO, fx("frames"))), new int[]{49}));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesUniMoe(Case c) {
        RoutingRecorder routing = new RoutingRecorder(model.llm().config().layers(), model.llm().config().expertsPerToken());
        UniMoeRunner.Result r = new UniMoeRunner(model, tok, dev.unimoe.runtime.CpuBackend.INSTANCE, null)
                .run(c.query(), c.media(), PromptTemplate.VICUNA, 8, 12, Sampler.greedy(), new int[0], routing, null);
        assertArrayEquals(((I32Tensor) ref.tensor(c.id() + ".input_ids")).toIntArray(), r.promptIds(), "prompt ids");
        assertArrayEquals(c.rows(), r.mediaRows().stream().mapToInt(Integer::intValue).toArray(), "rows per medium");
        assertRelClose(ref.tensor(c.id() + ".inputs_embeds").toFloatArray(), r.spliced().embeddings(), c.id() + " inputs_embeds");
        for (int l = 0; l < model.llm().config().layers(); l++) {
            int[] want = ((I32Tensor) ref.tensor(c.id() + ".router_topk_ids." + l)).toIntArray();
            for (int p = 0; p < r.spliced().rows(); p++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(want, 2 * p, 2 * p + 2), routing.experts(l, p), c.id() + " layer " + l + " position " + p);
            }
        }
        assertArrayEquals(((I32Tensor) ref.tensor(c.id() + ".generated_ids")).toIntArray(), r.generation().generated(), c.id() + " greedy ids");
        Object json = routing.toJson(r.spliced(), r.generation().generated(), model.llm().config().experts());
        assertTrue(dev.unimoe.formats.Json.write(json).contains("\"modality\": \"" + c.media().get(0).kind().label() + "\""));
    }

    @Test
    void placeholderMismatchIsRefusedBeforeDecodingMedia() {
        UniMoeRunner runner = new UniMoeRunner(model, tok, dev.unimoe.runtime.CpuBackend.INSTANCE, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runner.run("<image> and <image>", List.of(
                new MediaInput(Modality.IMAGE, Path.of("/nonexistent.png"))), PromptTemplate.NONE, 8, 4, Sampler.greedy(), new int[0], null, null));
        assertTrue(e.getMessage().contains("2 <image> placeholders but 1 image input"), e.getMessage());
    }

    static void assertRelClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        float scale = 0, worst = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        assertTrue(worst <= 1e-4f * scale, what + ": max |diff| " + worst + " > 1e-4 × " + scale);
    }
}
