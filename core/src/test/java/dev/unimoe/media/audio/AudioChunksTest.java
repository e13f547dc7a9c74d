package dev.unimoe.media.audio;

import dev.unimoe.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class AudioChunksTest {

    static int[] lengths(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return AudioChunks.split(x).stream().mapToInt(c -> c.length).toArray();
    }

    @Test
    void chunksAre480001SamplesThenTheRest() {
        assertArrayEquals(new int[] {1}, lengths(1));
        assertArrayEquals(new int[] {480000}, lengths(480000));
        assertArrayEquals(new int[] {480001}, lengths(480001));          // one chunk; the extractor drops its last sample
        assertArrayEquals(new int[] {480001, 1}, lengths(480002));       // README: the second chunk is one sample long
        assertArrayEquals(new int[] {480001, 480001}, lengths(960002));
        assertArrayEquals(new int[] {480001, 480001, 1}, lengths(960003));
    }

    @Test
    void chunkKStartsAtKTimes480001() {
        float[] x = new float[1_000_000];
        for (int i = 0; i < x.length; i++) x[i] = i;
        List<float[]> chunks = AudioChunks.split(x);
        for (int k = 0; k < chunks.size(); k++) assertEquals(k * 480001f, chunks.get(k)[0]);
    }

    @Test
    void emptyAudioIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AudioChunks.split(new float[0]));
        assertTrue(e.getMessage().contains("empty audio"));
    }

    @Test
    void theLongFixtureHasTwoChunks() {
        AudioClip clip = WavReader.read(Fixtures.path("whisper-audio", "audio", "en-Wikipedia-Ignore_All_Rules.wav"));
        assertArrayEquals(new int[] {480001, 373936}, AudioChunks.split(clip.samples()).stream().mapToInt(c -> c.length).toArray());
    }
}
