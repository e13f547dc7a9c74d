package dev.unimoe.media.audio;

/**
 * The validated contents of a WAV {@code fmt } chunk.
 *
 * @param bytesPerSample container bytes of one sample of one channel
 */
record WavFormat(WavEncoding encoding, int channels, int sampleRate, int bytesPerSample, int blockAlign) {
}
