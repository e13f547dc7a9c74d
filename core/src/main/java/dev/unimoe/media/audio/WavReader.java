package dev.unimoe.media.audio;

import dev.unimoe.formats.FormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads WAV files into mono float32 samples exactly as Uni-MoE's {@code soundfile.read(path,
 * dtype="float32")} + {@code librosa.to_mono} does.
 *
 * <p>Accepted: RIFF (little-endian) and RIFX (big-endian) WAVE; PCM 8-bit unsigned and 16/24/32-bit
 * signed, IEEE float 32/64, G.711 A-law and μ-law, plain or as WAVE_FORMAT_EXTENSIBLE; any number of
 * channels; chunks in any order (unknown ones such as {@code LIST} skipped, odd sizes padded).
 * Scaling as libsndfile: int16 / 32768, int24 / 2²³, int32 / 2³¹, uint8 (x − 128) / 128.
 *
 * <p>Decisions: a {@code data} chunk whose declared size runs past the end of the file (a writer that
 * never patched the size, or a cut download) is read up to the end of the file, as soundfile does,
 * with a warning in {@link AudioClip#warnings()}; so is a trailing partial frame. Audio without a
 * single sample is an error (nothing to encode); all-silent audio is valid input. Audio longer than
 * the limit is refused from the header alone, before any sample is decoded. Every error is a
 * {@link FormatException} naming the file, the field and what was expected; other containers (FLAC,
 * MP3, Ogg, AIFF, MP4, RF64) are recognised by their signature and refused with a "convert to WAV" hint.
 */
public final class WavReader {
    /** Default limit on the duration of one audio input: 10 minutes. */
    public static final double DEFAULT_MAX_SECONDS = 600;
    /** Most channels accepted (WAVE_FORMAT_EXTENSIBLE can describe up to 18 speaker positions; leave room). */
    public static final int MAX_CHANNELS = 256;

    private static final int BLOCK = 1 << 20;

    private WavReader() {}

    /** Reads {@code file} with the default 10-minute limit. */
    public static AudioClip read(Path file) {
        return read(file, DEFAULT_MAX_SECONDS);
    }

    /** Reads {@code file}, refusing audio longer than {@code maxSeconds}. */
    public static AudioClip read(Path file, double maxSeconds) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file.toString(), maxSeconds);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads WAV bytes held in memory; {@code source} names them in messages. */
    public static AudioClip read(byte[] bytes, String source, double maxSeconds) {
        try {
            return read(new InMemoryChannel(bytes), source, maxSeconds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Chunk(long offset, long size) {}

    private static AudioClip read(SeekableByteChannel ch, String src, double maxSeconds) throws IOException {
        if (!(maxSeconds > 0)) throw new IllegalArgumentException("maxSeconds must be positive: " + maxSeconds);
        long fileSize = ch.size();
        ByteBuffer head = readAt(ch, 0, (int) Math.min(12, fileSize));
        if (head.remaining() >= 4) refuseOtherContainers(src, head);
        if (fileSize < 12) {
            throw new FormatException(src, "header", "a 12-byte RIFF/WAVE header, found a file of " + fileSize + " bytes (truncated)");
        }
        String riff = fourCc(head, 0);
        ByteOrder order;
        if (riff.equals("RIFF")) order = ByteOrder.LITTLE_ENDIAN;
        else if (riff.equals("RIFX")) order = ByteOrder.BIG_ENDIAN;
        else throw new FormatException(src, "bytes 0-3", "\"RIFF\" (a WAV file), found " + printable(head, 0));
        if (!fourCc(head, 8).equals("WAVE")) {
            throw new FormatException(src, "bytes 8-11", "\"WAVE\" after the RIFF header, found " + printable(head, 8));
        }

        List<String> warnings = new ArrayList<>();
        ByteBuffer fmtBytes = null;
        Chunk data = null;
        long pos = 12;
        while (pos + 8 <= fileSize) {
            ByteBuffer h = readAt(ch, pos, 8).order(order);
            String id = fourCc(h, 0);
            long size = Integer.toUnsignedLong(h.getInt(4));
            long body = pos + 8, available = fileSize - body;
            if (id.equals("fmt ")) {
                if (fmtBytes != null) throw new FormatException(src, "fmt chunk at byte " + pos, "a single fmt chunk, found a second one");
                if (size > available) {
                    throw new FormatException(src, "fmt chunk", size + " bytes of format description, but the file ends after "
                            + available + " (truncated header)");
                }
                if (size > 1 << 16) throw new FormatException(src, "fmt chunk", "at most 65536 bytes, found " + size);
                fmtBytes = readAt(ch, body, (int) size).order(order);
            } else if (id.equals("data")) {
                if (data != null) throw new FormatException(src, "data chunk at byte " + pos, "a single data chunk, found a second one");
                if (size > available) {
                    warnings.add("data chunk declares " + size + " bytes but only " + available
                            + " follow; read up to the end of the file");
                    size = available;
                }
                data = new Chunk(body, size);
            } else if (size > available) {
                if (data != null && fmtBytes != null) break; // a damaged trailer after the audio: ignore it
                throw new FormatException(src, "chunk \"" + id + "\" at byte " + pos, size + " bytes, but the file ends after "
                        + available + " (truncated file)");
            }
            pos = body + size + (size & 1); // chunks are padded to even sizes
        }
        if (fmtBytes == null) {
            throw new FormatException(src, "fmt chunk", "a format description before the end of the file, found none"
                    + (fileSize < 44 ? " (truncated header)" : ""));
        }
        WavFormat fmt = parseFormat(src, fmtBytes);
        if (data == null) throw new FormatException(src, "data chunk", "a data chunk with the samples, found none");

        long frames = data.size() / fmt.blockAlign();
        long leftover = data.size() - frames * fmt.blockAlign();
        if (leftover != 0) warnings.add("data chunk ends with " + leftover + " bytes of an incomplete frame; ignored");
        if (frames == 0) {
            throw new FormatException(src, "data chunk", "at least one sample, found none (empty audio)");
        }
        double seconds = frames / (double) fmt.sampleRate();
        if (seconds > maxSeconds) {
            throw new FormatException(src, "data chunk", String.format(
                    "at most %.1f s of audio (the configured limit), found %.1f s (%d frames at %d Hz)",
                    maxSeconds, seconds, frames, fmt.sampleRate()));
        }
        if (frames > Integer.MAX_VALUE - 8) {
            throw new FormatException(src, "data chunk", "fewer than 2^31 frames, found " + frames);
        }
        float[] mono = decode(ch, data.offset(), (int) frames, fmt, order);
        return new AudioClip(mono, fmt.sampleRate(), fmt.channels(), src, warnings);
    }

    private static WavFormat parseFormat(String src, ByteBuffer f) {
        if (f.remaining() < 16) {
            throw new FormatException(src, "fmt chunk", "at least 16 bytes, found " + f.remaining() + " (truncated header)");
        }
        int tag = Short.toUnsignedInt(f.getShort(0));
        int channels = Short.toUnsignedInt(f.getShort(2));
        long rate = Integer.toUnsignedLong(f.getInt(4));
        int blockAlign = Short.toUnsignedInt(f.getShort(12));
        int bits = Short.toUnsignedInt(f.getShort(14));
        int effective = tag;
        if (tag == 0xFFFE) { // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes
            if (f.remaining() < 40) {
                throw new FormatException(src, "fmt chunk", "40 bytes for WAVE_FORMAT_EXTENSIBLE, found " + f.remaining());
            }
            effective = Short.toUnsignedInt(f.getShort(24));
            byte[] guidTail = new byte[14];
            f.get(26, guidTail);
            byte[] ksTail = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};
            if (f.order() == ByteOrder.LITTLE_ENDIAN && !java.util.Arrays.equals(guidTail, ksTail)) {
                throw new FormatException(src, "fmt sub-format", "a KSDATAFORMAT_SUBTYPE GUID (PCM or IEEE float), found another GUID");
            }
        }
        if (channels == 0) throw new FormatException(src, "fmt channels", "at least 1 channel, found 0");
        if (channels > MAX_CHANNELS) throw new FormatException(src, "fmt channels", "at most " + MAX_CHANNELS + ", found " + channels);
        if (rate == 0) throw new FormatException(src, "fmt sample rate", "a positive sample rate, found 0 Hz");
        if (rate > Resampler.MAX_RATE) {
            throw new FormatException(src, "fmt sample rate", "at most " + Resampler.MAX_RATE + " Hz, found " + rate + " Hz");
        }
        WavEncoding enc;
        int bytes = (bits + 7) / 8;
        switch (effective) {
            case 1 -> {
                if (bits < 1 || bits > 32) throw new FormatException(src, "fmt bits per sample", "1 to 32 for PCM, found " + bits);
                enc = bytes == 1 ? WavEncoding.PCM_U8 : WavEncoding.PCM_SIGNED;
            }
            case 3 -> {
                if (bits != 32 && bits != 64) throw new FormatException(src, "fmt bits per sample", "32 or 64 for IEEE float, found " + bits);
                enc = bits == 32 ? WavEncoding.FLOAT32 : WavEncoding.FLOAT64;
            }
            case 6, 7 -> {
                if (bits != 8) throw new FormatException(src, "fmt bits per sample", "8 for G.711 A-law/μ-law, found " + bits);
                enc = effective == 6 ? WavEncoding.ALAW : WavEncoding.ULAW;
            }
            default -> throw new FormatException(src, "fmt format tag", "PCM (1), IEEE float (3), A-law (6) or μ-law (7), found "
                    + effective + " (" + tagName(effective) + "), which is not supported: convert the file to 16-bit PCM WAV");
        }
        if (blockAlign != channels * bytes) {
            throw new FormatException(src, "fmt block align", channels + " channels × " + bytes + " bytes = "
                    + channels * bytes + ", found " + blockAlign);
        }
        return new WavFormat(enc, channels, (int) rate, bytes, blockAlign);
    }

    /** Decodes frames and averages channels in float32 (numpy's float32 mean: sum in order, then divide). */
    private static float[] decode(SeekableByteChannel ch, long offset, int frames, WavFormat fmt, ByteOrder order)
            throws IOException {
        float[] mono = new float[frames];
        int channels = fmt.channels(), bytes = fmt.bytesPerSample(), frameBytes = fmt.blockAlign();
        int framesPerBlock = Math.max(1, BLOCK / frameBytes);
        float[] frame = new float[channels];
        for (int f0 = 0; f0 < frames; f0 += framesPerBlock) {
            int n = Math.min(framesPerBlock, frames - f0);
            ByteBuffer b = readAt(ch, offset + (long) f0 * frameBytes, n * frameBytes).order(order);
            int p = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++, p += bytes) frame[c] = sample(b, p, fmt.encoding(), bytes, order);
                if (channels == 1) {
                    mono[f0 + i] = frame[0];
                } else {
                    float s = frame[0];
                    for (int c = 1; c < channels; c++) s += frame[c];
                    mono[f0 + i] = s / channels;
                }
            }
        }
        return mono;
    }

    private static float sample(ByteBuffer b, int p, WavEncoding enc, int bytes, ByteOrder order) {
        return switch (enc) {
            case PCM_U8 -> ((b.get(p) & 0xFF) - 128) * (1f / 128);
            case PCM_SIGNED -> switch (bytes) {
                case 2 -> b.getShort(p) * (1f / 32768);
                case 3 -> int24(b, p, order) * (1f / 8388608);
                default -> (float) b.getInt(p) * (1f / 2147483648f); // libsndfile: round to float, then scale
            };
            case FLOAT32 -> b.getFloat(p);
            case FLOAT64 -> (float) b.getDouble(p);
            case ALAW -> G711.alaw(b.get(p) & 0xFF) * (1f / 32768);
            case ULAW -> G711.ulaw(b.get(p) & 0xFF) * (1f / 32768);
        };
    }

    private static int int24(ByteBuffer b, int p, ByteOrder order) {
        int b0 = b.get(p) & 0xFF, b1 = b.get(p + 1) & 0xFF, b2 = b.get(p + 2);
        return order == ByteOrder.LITTLE_ENDIAN ? (b2 << 16) | (b1 << 8) | b0 : (b.get(p) << 16) | (b1 << 8) | (b2 & 0xFF);
    }

    /** Refuses files that are clearly another container, with a useful hint. */
    private static void refuseOtherContainers(String src, ByteBuffer head) {
        String what = null;
        String four = fourCc(head, 0);
        int b0 = head.get(0) & 0xFF, b1 = head.get(1) & 0xFF;
        if (four.equals("fLaC")) what = "FLAC";
        else if (four.equals("OggS")) what = "Ogg (Vorbis/Opus/FLAC)";
        else if (four.startsWith("ID3") || (b0 == 0xFF && (b1 & 0xE0) == 0xE0 && (b1 & 0x06) != 0)) what = "MP3 (MPEG audio)";
        else if (four.equals("FORM")) what = "AIFF";
        else if (four.equals("RF64") || four.equals("BW64")) what = "RF64 (64-bit WAV)";
        else if (four.equals(".snd")) what = "Sun/NeXT AU";
        else if (b0 == 0x1A && b1 == 0x45 && (head.get(2) & 0xFF) == 0xDF && (head.get(3) & 0xFF) == 0xA3) what = "Matroska/WebM";
        else if (head.remaining() >= 8 && fourCc(head, 4).equals("ftyp")) what = "MP4/M4A";
        if (what != null) {
            throw new FormatException(src, "bytes 0-3", "a RIFF/WAVE file; found " + what
                    + ", which is not supported: convert it to WAV first (e.g. ffmpeg -i INPUT -ar 16000 -ac 1 out.wav)");
        }
    }

    private static String tagName(int tag) {
        return switch (tag) {
            case 0 -> "unknown";
            case 2 -> "Microsoft ADPCM";
            case 0x11 -> "IMA ADPCM";
            case 0x31 -> "GSM 6.10";
            case 0x50 -> "MPEG";
            case 0x55 -> "MPEG layer 3";
            case 0xFFFE -> "extensible";
            default -> String.format("0x%04X", tag);
        };
    }

    private static ByteBuffer readAt(SeekableByteChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        ch.position(pos);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) break;
        }
        b.flip();
        return b;
    }

    private static String fourCc(ByteBuffer b, int at) {
        if (b.limit() < at + 4) return "";
        byte[] id = new byte[4];
        b.get(at, id);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    private static String printable(ByteBuffer b, int at) {
        StringBuilder s = new StringBuilder();
        for (int i = at; i < Math.min(at + 4, b.limit()); i++) {
            int c = b.get(i) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02X", c));
        }
        return "\"" + s + "\"";
    }
}
