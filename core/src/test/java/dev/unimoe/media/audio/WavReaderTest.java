package dev.unimoe.media.audio;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.FormatException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class WavReaderTest {
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static AudioClip read(byte[] wav) {
        return WavReader.read(wav, "test.wav", WavReader.DEFAULT_MAX_SECONDS);
    }

    static FormatException refused(byte[] wav) {
        return assertThrows(FormatException.class, () -> read(wav));
    }

    // ---- the fixtures -------------------------------------------------------------------------

    @Test
    void jfkIs16kMonoPcm() throws IOException {
        Path f = Fixtures.path("whisper-audio", "audio", "jfk.wav");
        AudioClip clip = WavReader.read(f);
        assertEquals(16000, clip.sampleRate());
        assertEquals(1, clip.channels());
        assertEquals(176000, clip.samples().length);
        assertTrue(clip.warnings().isEmpty());
        // Every sample is the int16 value / 32768: compare with the raw data chunk.
        short[] raw = rawPcm16(f);
        assertEquals(raw.length, clip.samples().length);
        for (int i = 0; i < raw.length; i++) assertEquals(raw[i] / 32768f, clip.samples()[i]);
    }

    @Test
    void listChunkBetweenFmtAndDataIsSkipped() {
        AudioClip clip = WavReader.read(Fixtures.path("whisper-audio", "audio", "en-Wikipedia-Ignore_All_Rules.wav"));
        assertEquals(853937, clip.samples().length);
        assertEquals(16000, clip.sampleRate());
        assertTrue(clip.warnings().isEmpty());
    }

    @Test
    void stereoIsTheMeanOfTheChannels() throws IOException {
        Path f = Fixtures.path("whisper-audio", "audio", "jfk_44k1_stereo.wav");
        AudioClip clip = WavReader.read(f);
        assertEquals(44100, clip.sampleRate());
        assertEquals(2, clip.channels());
        assertEquals(485100, clip.samples().length);
        short[] raw = rawPcm16(f);
        for (int i = 0; i < clip.samples().length; i++) {
            assertEquals((raw[2 * i] / 32768f + raw[2 * i + 1] / 32768f) / 2, clip.samples()[i], "frame " + i);
        }
    }

    /** The samples of the (only) data chunk of a 16-bit PCM file, found by walking the chunks. */
    static short[] rawPcm16(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(LE);
        int pos = 12;
        while (true) {
            String id = new String(new byte[] {b.get(pos), b.get(pos + 1), b.get(pos + 2), b.get(pos + 3)});
            int size = b.getInt(pos + 4);
            if (id.equals("data")) {
                short[] s = new short[size / 2];
                b.position(pos + 8);
                b.asShortBuffer().get(s);
                return s;
            }
            pos += 8 + size + (size & 1);
        }
    }

    // ---- encodings ----------------------------------------------------------------------------

    @Test
    void everyPcmWidthScalesLikeSoundfile() {
        byte[] u8 = WavBytes.riff().fmt(1, 1, 8000, 8).data(new byte[] {0, (byte) 128, (byte) 255, 64}).bytes();
        assertArrayEquals(new float[] {-1f, 0f, 127 / 128f, -0.5f}, read(u8).samples());

        byte[] s16 = WavBytes.riff().fmt(1, 1, 8000, 16).data(WavBytes.shorts(LE, -32768, 0, 32767, 16384)).bytes();
        assertArrayEquals(new float[] {-1f, 0f, 32767 / 32768f, 0.5f}, read(s16).samples());

        byte[] s24 = WavBytes.riff().fmt(1, 1, 8000, 24).data(new byte[] {
            0, 0, (byte) 0x80,                      // −2^23
            (byte) 0xFF, (byte) 0xFF, (byte) 0x7F,  // 2^23 − 1
            0, 0, 0x40,                             // 2^22
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}).bytes(); // −1
        assertArrayEquals(new float[] {-1f, 8388607 / 8388608f, 0.5f, -1 / 8388608f}, read(s24).samples());

        ByteBuffer b32 = ByteBuffer.allocate(12).order(LE).putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE).putInt(1 << 29);
        byte[] s32 = WavBytes.riff().fmt(1, 1, 8000, 32).data(b32.array()).bytes();
        // libsndfile rounds the int to float first: 2^31 − 1 becomes 2^31, i.e. 1.0.
        assertArrayEquals(new float[] {-1f, 1f, 0.25f}, read(s32).samples());
    }

    @Test
    void floatsAndExtensible() {
        ByteBuffer f = ByteBuffer.allocate(12).order(LE).putFloat(0.25f).putFloat(-1.5f).putFloat(1e-3f);
        assertArrayEquals(new float[] {0.25f, -1.5f, 1e-3f}, read(WavBytes.riff().fmt(3, 1, 8000, 32).data(f.array()).bytes()).samples());

        ByteBuffer d = ByteBuffer.allocate(16).order(LE).putDouble(0.1).putDouble(-0.75);
        assertArrayEquals(new float[] {(float) 0.1, -0.75f}, read(WavBytes.riff().fmt(3, 1, 8000, 64).data(d.array()).bytes()).samples());

        byte[] ext = WavBytes.riff().fmtExtensible(1, 1, 48000, 24, 20).data(new byte[] {0, 0, 0x40, 0, 0, (byte) 0xC0}).bytes();
        AudioClip c = read(ext);
        assertEquals(48000, c.sampleRate());
        assertArrayEquals(new float[] {0.5f, -0.5f}, c.samples()); // scaled by the 24-bit container, as libsndfile

        byte[] extFloat = WavBytes.riff().fmtExtensible(3, 1, 8000, 32, 32).data(f.array()).bytes();
        assertArrayEquals(new float[] {0.25f, -1.5f, 1e-3f}, read(extFloat).samples());
    }

    @Test
    void g711() {
        // Reference values of the ITU/Sun decoder (also libsndfile's tables).
        byte[] ulaw = WavBytes.riff().fmt(7, 1, 8000, 8).data(new byte[] {0, (byte) 0x80, (byte) 0xFF, 0x7F}).bytes();
        assertArrayEquals(new float[] {-32124 / 32768f, 32124 / 32768f, 0f, 0f}, read(ulaw).samples());
        byte[] alaw = WavBytes.riff().fmt(6, 1, 8000, 8).data(new byte[] {0, (byte) 0x80, (byte) 0xD5, 0x55}).bytes();
        assertArrayEquals(new float[] {-5504 / 32768f, 5504 / 32768f, 8 / 32768f, -8 / 32768f}, read(alaw).samples());
    }

    @Test
    void bigEndianRifx() {
        byte[] wav = WavBytes.rifx().fmt(1, 1, 16000, 16).data(WavBytes.shorts(ByteOrder.BIG_ENDIAN, 16384, -8192)).bytes();
        assertArrayEquals(new float[] {0.5f, -0.25f}, read(wav).samples());
        byte[] s24 = WavBytes.rifx().fmt(1, 1, 16000, 24).data(new byte[] {(byte) 0xC0, 0, 0, 0x00, 0x00, 0x01}).bytes();
        assertArrayEquals(new float[] {-0.5f, 1 / 8388608f}, read(s24).samples());
    }

    @Test
    void multiChannelIsTheFloat32MeanInChannelOrder() {
        // 3 channels: (a + b + c) / 3 in float32, summed left to right (numpy's mean over the channel axis).
        byte[] wav = WavBytes.riff().fmt(1, 3, 8000, 16).data(WavBytes.shorts(LE, 100, 200, 301, -5, 7, 11)).bytes();
        AudioClip c = read(wav);
        assertEquals(3, c.channels());
        assertEquals(2, c.samples().length);
        assertEquals((100 / 32768f + 200 / 32768f + 301 / 32768f) / 3, c.samples()[0]);
        assertEquals((-5 / 32768f + 7 / 32768f + 11 / 32768f) / 3, c.samples()[1]);
    }

    // ---- chunk layout -------------------------------------------------------------------------

    @Test
    void anyChunkOrderAndPadBytes() {
        byte[] pcm = WavBytes.shorts(LE, 1000, -1000, 3);
        byte[] wav = WavBytes.riff()
                .chunk("LIST", new byte[] {'I', 'N', 'F', 'O', 'x'}) // odd size: one pad byte follows
                .data(pcm)
                .chunk("junk", new byte[7])
                .fmt(1, 1, 22050, 16)
                .bytes();
        AudioClip c = read(wav);
        assertEquals(22050, c.sampleRate());
        assertArrayEquals(new float[] {1000 / 32768f, -1000 / 32768f, 3 / 32768f}, c.samples());
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void dataRunningPastTheEndIsReadToTheEndWithAWarning() {
        // Streaming writers leave 0xFFFFFFFF (or a stale size) in the data chunk; soundfile reads what is there.
        byte[] wav = WavBytes.riff().fmt(1, 1, 16000, 16).chunk("data", WavBytes.shorts(LE, 1, 2, 3, 4, 5), 0xFFFFFFFFL).bytes();
        AudioClip c = read(wav);
        assertEquals(5, c.samples().length);
        assertEquals(1, c.warnings().size());
        assertTrue(c.warnings().getFirst().contains("only 10 follow"), c.warnings().toString());
    }

    @Test
    void trailingPartialFrameIsDroppedWithAWarning() {
        byte[] wav = WavBytes.riff().fmt(1, 2, 16000, 16).data(new byte[] {1, 0, 2, 0, 3}).bytes();
        AudioClip c = read(wav);
        assertEquals(1, c.samples().length);
        assertTrue(c.warnings().getFirst().contains("incomplete frame"));
    }

    // ---- refusals -----------------------------------------------------------------------------

    @Test
    void notRiff() {
        FormatException e = refused("this is not a wave file at all".getBytes());
        assertTrue(e.getMessage().startsWith("test.wav: bytes 0-3: expected \"RIFF\""), e.getMessage());
        byte[] avi = "RIFF\0\0\0\0AVI LIST".getBytes();
        assertTrue(refused(avi).getMessage().contains("\"WAVE\""));
    }

    @Test
    void truncatedHeader() {
        assertTrue(refused("RIFF\u0004\0\0".getBytes()).getMessage().contains("truncated"));
        byte[] full = WavBytes.riff().fmt(1, 1, 16000, 16).data(WavBytes.shorts(LE, 1, 2)).bytes();
        byte[] cut = java.util.Arrays.copyOf(full, 30); // inside the fmt chunk
        FormatException e = refused(cut);
        assertTrue(e.getMessage().contains("fmt chunk") && e.getMessage().contains("truncated"), e.getMessage());
        byte[] shortFmt = WavBytes.riff().chunk("fmt ", new byte[10]).data(new byte[2]).bytes();
        assertTrue(refused(shortFmt).getMessage().contains("at least 16 bytes"));
    }

    @Test
    void missingChunks() {
        assertTrue(refused(WavBytes.riff().fmt(1, 1, 16000, 16).bytes()).getMessage().contains("data chunk"));
        assertTrue(refused(WavBytes.riff().data(new byte[4]).bytes()).getMessage().contains("fmt chunk"));
    }

    @Test
    void unsupportedEncodingNamesTheTag() {
        byte[] adpcm = WavBytes.riff().fmt(2, 1, 16000, 4, 256).data(new byte[256]).bytes();
        FormatException e = refused(adpcm);
        assertEquals("fmt format tag", e.field());
        assertTrue(e.getMessage().contains("found 2 (Microsoft ADPCM)") && e.getMessage().contains("convert"), e.getMessage());
        assertTrue(refused(WavBytes.riff().fmt(3, 1, 16000, 16).data(new byte[2]).bytes()).getMessage().contains("32 or 64"));
    }

    @Test
    void zeroChannelsOrRate() {
        assertEquals("fmt channels", refused(WavBytes.riff().fmt(1, 0, 16000, 16, 2).data(new byte[2]).bytes()).field());
        FormatException rate = refused(WavBytes.riff().fmt(1, 1, 0, 16).data(new byte[2]).bytes());
        assertEquals("fmt sample rate", rate.field());
        assertTrue(rate.getMessage().contains("0 Hz"));
        FormatException align = refused(WavBytes.riff().fmt(1, 2, 16000, 16, 2).data(new byte[4]).bytes());
        assertTrue(align.getMessage().contains("block align"), align.getMessage());
    }

    @Test
    void emptyAudioIsAnErrorSilentAudioIsNot() {
        FormatException e = refused(WavBytes.riff().fmt(1, 1, 16000, 16).data(new byte[0]).bytes());
        assertTrue(e.getMessage().contains("empty audio"), e.getMessage());
        AudioClip silent = read(WavBytes.riff().fmt(1, 1, 16000, 16).data(new byte[3200]).bytes());
        assertEquals(1600, silent.samples().length);
        for (float v : silent.samples()) assertEquals(0f, v);
    }

    @Test
    void longerThanTheLimitIsRefusedNamingIt() {
        byte[] wav = WavBytes.riff().fmt(1, 1, 8000, 16).data(new byte[2 * 8000 * 3]).bytes(); // 3 s
        assertEquals(3.0, WavReader.read(wav, "x.wav", 3.0).seconds(), 0);
        FormatException e = assertThrows(FormatException.class, () -> WavReader.read(wav, "x.wav", 2.5));
        assertTrue(e.getMessage().contains("at most 2.5 s") && e.getMessage().contains("found 3.0 s"), e.getMessage());
    }

    @Test
    void otherContainersGetAConvertHint() {
        for (String[] c : new String[][] {{"fLaC\0\0\0\"", "FLAC"}, {"ID3\u0004\0\0\0\0", "MP3"}, {"OggS\0\u0002\0\0", "Ogg"},
                {"FORM\0\0\0\u0004AIFF", "AIFF"}}) {
            FormatException e = refused(c[0].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("convert it to WAV"), e.getMessage());
        }
        FormatException mpegSync = refused(new byte[] {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0});
        assertTrue(mpegSync.getMessage().contains("MP3"));
    }
}
