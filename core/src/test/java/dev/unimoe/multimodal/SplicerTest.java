package dev.unimoe.multimodal;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Safetensors;
import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.model.Forward;
import dev.unimoe.model.Model;
import dev.unimoe.tensor.I32Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Splicing the reference's media rows into the reference ids reproduces its inputs_embeds exactly. */
class SplicerTest {
    @ParameterizedTest
    @CsvSource({"a_image,image_features,,", "b_audio,,audio_embeds,", "c_image_audio,image_features,audio_embeds,", "d_video,,,video_features"})
    void splicedEmbeddingsEqualReference(String k, String image, String audio, String video) {
        try (Model m = Model.load(Fixtures.path("unimoe-tiny"), null);
             Safetensors ref = Safetensors.open(Fixtures.path("unimoe-tiny", "reference.safetensors"))) {
            int H = m.config().hidden();
            Forward f = new Forward(m.config(), m.weights(), CpuKernels.INSTANCE, 8, 1);
            int[] ids = ((I32Tensor) ref.tensor(k + ".input_ids")).toIntArray();
            Map<Modality, List<float[]>> media = new EnumMap<>(Modality.class);
            if (image != null) media.put(Modality.IMAGE, List.of(ref.tensor(k + "." + image).toFloatArray()));
            if (audio != null) media.put(Modality.AUDIO, List.of(ref.tensor(k + "." + audio).toFloatArray()));
            if (video != null) media.put(Modality.VIDEO, List.of(ref.tensor(k + "." + video).toFloatArray()));
            Spliced s = Splicer.splice(f, ids, media, H);
            assertArrayEquals(ref.tensor(k + ".inputs_embeds").toFloatArray(), s.embeddings(), k);
            int covered = 0;
            for (Segment seg : s.segments()) {
                assertEquals(covered, seg.start());
                covered += seg.length();
            }
            assertEquals(s.rows(), covered);
            assertTrue(s.segments().stream().anyMatch(seg -> seg.kind() != Modality.TEXT));
        }
    }

    @Test
    void placeholdersAndMediaMustPairUp() {
        try (Model m = Model.load(Fixtures.path("unimoe-tiny"), null)) {
            int H = m.config().hidden();
            Forward f = new Forward(m.config(), m.weights(), CpuKernels.INSTANCE, 8, 1);
            Map<Modality, List<float[]>> none = new EnumMap<>(Modality.class);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Splicer.splice(f, new int[]{1, -200, 5}, none, H));
            assertTrue(e.getMessage().contains("1 <image> placeholder") && e.getMessage().contains("0 image inputs"), e.getMessage());
            Map<Modality, List<float[]>> extra = new EnumMap<>(Modality.class);
            extra.put(Modality.AUDIO, List.of(new float[H], new float[H]));
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Splicer.splice(f, new int[]{1, -300, 5}, extra, H));
            assertTrue(e2.getMessage().contains("2 audio inputs"), e2.getMessage());
        }
    }
}
