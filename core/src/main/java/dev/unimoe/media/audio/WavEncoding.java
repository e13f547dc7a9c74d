package dev.unimoe.media.audio;

/** Sample encodings the WAV reader decodes, with soundfile's float32 scaling. */
enum WavEncoding {
    /** Unsigned 8-bit: (x − 128) / 128. */
    PCM_U8,
    /** Signed little/big-endian integers of 2, 3 or 4 bytes: x / 2^(8·bytes − 1). */
    PCM_SIGNED,
    FLOAT32,
    FLOAT64,
    /** G.711 A-law, decoded to 16-bit then / 32768. */
    ALAW,
    /** G.711 μ-law, decoded to 16-bit then / 32768. */
    ULAW
}
