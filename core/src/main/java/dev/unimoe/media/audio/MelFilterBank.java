package dev.unimoe.media.audio;

/**
 * Triangular mel filters on the Slaney mel scale with Slaney ("constant energy per band")
 * normalisation: {@code transformers.audio_utils.mel_filter_bank(..., norm="slaney",
 * mel_scale="slaney")}, which equals {@code librosa.filters.mel(sr, n_fft, n_mels)} transposed.
 * Computed in double precision with the same operations in the same order.
 */
final class MelFilterBank {
    private MelFilterBank() {}

    /** {@code [numFrequencyBins][numMels]}: weight of FFT bin f in mel band m. */
    static double[][] slaney(int numFrequencyBins, int numMels, double minHz, double maxHz, int samplingRate) {
        double melMin = hertzToMel(minHz), melMax = hertzToMel(maxHz);
        double[] filterFreqs = new double[numMels + 2];
        double step = (melMax - melMin) / (numMels + 1);        // numpy.linspace
        for (int i = 0; i < numMels + 2; i++) filterFreqs[i] = melToHertz(i * step + melMin);
        filterFreqs[numMels + 1] = melToHertz(melMax);
        double[] fftFreqs = new double[numFrequencyBins];
        double fftStep = (double) (samplingRate / 2) / (numFrequencyBins - 1);
        for (int i = 0; i < numFrequencyBins; i++) fftFreqs[i] = i * fftStep;
        fftFreqs[numFrequencyBins - 1] = samplingRate / 2;

        double[][] w = new double[numFrequencyBins][numMels];
        for (int f = 0; f < numFrequencyBins; f++) {
            for (int m = 0; m < numMels; m++) {
                double down = -(filterFreqs[m] - fftFreqs[f]) / (filterFreqs[m + 1] - filterFreqs[m]);
                double up = (filterFreqs[m + 2] - fftFreqs[f]) / (filterFreqs[m + 2] - filterFreqs[m + 1]);
                double v = Math.max(0, Math.min(down, up));
                w[f][m] = v * (2.0 / (filterFreqs[m + 2] - filterFreqs[m]));
            }
        }
        return w;
    }

    static double hertzToMel(double hz) {
        double mel = 3.0 * hz / 200.0;
        return hz >= 1000.0 ? 15.0 + Math.log(hz / 1000.0) * (27.0 / Math.log(6.4)) : mel;
    }

    static double melToHertz(double mel) {
        double hz = 200.0 * mel / 3.0;
        return mel >= 15.0 ? 1000.0 * Math.exp(Math.log(6.4) / 27.0 * (mel - 15.0)) : hz;
    }
}
