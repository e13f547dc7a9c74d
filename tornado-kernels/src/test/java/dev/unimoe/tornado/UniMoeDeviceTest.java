package dev.unimoe.tornado;

import dev.unimoe.formats.Safetensors;
import dev.unimoe.model.Decoder;
import dev.unimoe.model.Model;
import dev.unimoe.model.Sampler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uni-MoE on the device: the decoder on the reference's spliced embeddings, and the whole pipeline from real media. */
class UniMoeDeviceTest {
    @org.junit.jupiter.api.Test
    void imageAndSpeechEndToEndOnTheDevice() {
        TornadoBackend backend = new TornadoBackend();
        try (var model = dev.unimoe.multimodal.UniMoeModel.load(TestFixtures.path("unimoe-tiny"), backend.kernels(), null);
             Safetensors ref = Safetensors.open(TestFixtures.path("unimoe-tiny", "reference.safetensors"))) {
            var tok = dev.unimoe.tokenizer.Tokenizer.fromHfDirectory(TestFixtures.path("tokenizer-llama"));
            var media = java.util.List.of(
                    new dev.unimoe.multimodal.MediaInput(dev.unimoe.multimodal.Modality.IMAGE, TestFixtures.path("clip-vision", "images", "coffee_256x171.jpg")),
                    new dev.unimoe.multimodal.MediaInput(dev.unimoe.multimodal.Modality.AUDIO, TestFixtures.path("whisper-audio", "audio", "jfk.wav")));
            var r = new dev.unimoe.multimodal.UniMoeRunner(model, tok, backend, null).run("Describe the picture and summarize the speech.", media,
                    dev.unimoe.multimodal.PromptTemplate.VICUNA, 8, 12, Sampler.greedy(), new int[0], null, null);
            assertArrayEquals(TestFixtures.ints(ref, "c_image_audio.generated_ids"), r.generation().generated(), "greedy ids");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a_image", "d_video"})
    void splicedPromptDecodesAsReference(String k) {
        TornadoBackend backend = new TornadoBackend();
        try (Model m = Model.load(TestFixtures.path("unimoe-tiny"), null);
             Safetensors ref = Safetensors.open(TestFixtures.path("unimoe-tiny", "reference.safetensors"))) {
            float[] emb = TestFixtures.floats(ref, k + ".inputs_embeds");
            int H = m.config().hidden(), T = emb.length / H, V = m.config().vocabSize();
            int[] want = TestFixtures.ints(ref, k + ".generated_ids");
            float[] lastRef = TestFixtures.floats(ref, k + ".logits_last");
            try (Decoder d = backend.open(m.config(), m.weights(), T + want.length + 1, 32, null)) {
                float[] logits = new float[V];
                d.forward(emb, T, 0, logits, false);
                float worst = 0;
                for (int i = 0; i < V; i++) worst = Math.max(worst, Math.abs(logits[i] - lastRef[i]));
                assertTrue(worst < 1e-3f, k + ": last-row logits differ by " + worst);
                int[] got = new int[want.length];
                float[] one = new float[H];
                for (int s = 0; s < want.length; s++) {
                    got[s] = Sampler.argmax(logits);
                    d.embedRow(got[s], one, 0);
                    d.forward(one, 1, T + s, logits, false);
                }
                assertArrayEquals(want, got, k);
            }
        }
    }
}
