package dev.unimoe.media.audio;

/**
 * One stage of a resampling cascade, applied to a whole signal. The input is taken as zero before
 * its first and after its last sample, which is exactly what a streaming resampler sees when it
 * starts from silence and is flushed with zeros; outputs are aligned so that output k sits at input
 * time k·M/L (zero-phase filters).
 */
sealed interface ResampleStage permits HalfBandStage, FirStage, PolyphaseStage {

    /** How many input samples (from index 0) can influence outputs {@code [0, outLen)}. */
    long inputNeeded(long outLen);

    /** Outputs {@code [0, outLen)} of this stage for input {@code in} (zero-extended). */
    double[] apply(double[] in, int outLen);

    /** One line for diagnostics: kind, rates, filter length. */
    String describe();
}
