package dev.unimoe.media.audio;

/**
 * The validated contents of a WAV {@code fmt } chunk.
 *
 * @param formatTag     the effective format tag (the sub-format's for WAVE_FORMAT_EXTENSIBLE)
 * @param bytesPerSample container bytes of one sample of one channel
 */
record WavFormat(WavEncoding encoding, int formatTag, int channels, int sampleRate, int bitsPerSample,
                 int bytesPerSample, int blockAlign) {
}
