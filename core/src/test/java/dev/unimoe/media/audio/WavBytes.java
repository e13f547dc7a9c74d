package dev.unimoe.media.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds WAV files byte by byte for tests: any chunk order, any (also wrong) header field. */
final class WavBytes {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final ByteOrder order;
    private final String magic;

    private WavBytes(String magic, ByteOrder order) {
        this.magic = magic;
        this.order = order;
    }

    static WavBytes riff() {
        return new WavBytes("RIFF", ByteOrder.LITTLE_ENDIAN);
    }

    static WavBytes rifx() {
        return new WavBytes("RIFX", ByteOrder.BIG_ENDIAN);
    }

    /** A 16-byte fmt chunk. */
    WavBytes fmt(int tag, int channels, int rate, int bits) {
        int block = channels * ((bits + 7) / 8);
        return fmt(tag, channels, rate, bits, block);
    }

    WavBytes fmt(int tag, int channels, int rate, int bits, int blockAlign) {
        ByteBuffer b = buf(16);
        b.putShort((short) tag).putShort((short) channels).putInt(rate).putInt(rate * blockAlign)
                .putShort((short) blockAlign).putShort((short) bits);
        return chunk("fmt ", b.array());
    }

    /** WAVE_FORMAT_EXTENSIBLE with the standard KSDATAFORMAT sub-format GUID for {@code subTag}. */
    WavBytes fmtExtensible(int subTag, int channels, int rate, int bits, int validBits) {
        int block = channels * ((bits + 7) / 8);
        ByteBuffer b = buf(40);
        b.putShort((short) 0xFFFE).putShort((short) channels).putInt(rate).putInt(rate * block)
                .putShort((short) block).putShort((short) bits).putShort((short) 22).putShort((short) validBits)
                .putInt(channels == 1 ? 4 : 3).putShort((short) subTag);
        b.put(new byte[] {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71});
        return chunk("fmt ", b.array());
    }

    WavBytes chunk(String id, byte[] payload) {
        return chunk(id, payload, payload.length);
    }

    /** A chunk whose size field says {@code declaredSize} (may lie), padded to even length. */
    WavBytes chunk(String id, byte[] payload, long declaredSize) {
        body.writeBytes(id.getBytes(StandardCharsets.ISO_8859_1));
        body.writeBytes(buf(4).putInt((int) declaredSize).array());
        body.writeBytes(payload);
        if (payload.length % 2 == 1 && declaredSize == payload.length) body.write(0);
        return this;
    }

    WavBytes data(byte[] payload) {
        return chunk("data", payload);
    }

    byte[] bytes() {
        byte[] b = body.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(12 + b.length).order(order);
        out.put(magic.getBytes(StandardCharsets.ISO_8859_1)).putInt(4 + b.length)
                .put("WAVE".getBytes(StandardCharsets.ISO_8859_1)).put(b);
        return out.array();
    }

    ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(order);
    }

    static byte[] shorts(ByteOrder order, int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(order);
        for (int v : values) b.putShort((short) v);
        return b.array();
    }
}
