package dev.unimoe.media.audio;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Safetensors;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ResamplerTest {

    /**
     * librosa.resample(soxr_hq) of the 44.1 kHz stereo fixture's channel mean, first second. libsoxr
     * computes in float32 (its "cr32s" engine: float taps, float FFTs, float accumulation); we compute
     * the same filters in double. Its own float32 round-off, measured against libsoxr's double engine
     * on noise and tones at 14 rates, is ≤ 3.7e-7 of full scale; we allow 1e-6.
     */
    @Test
    void reproducesLibrosaSoxrHqOnTheStereoFixture() {
        AudioClip clip = WavReader.read(Fixtures.path("whisper-audio", "audio", "jfk_44k1_stereo.wav"));
        float[] y = Resampler.resample(clip.samples(), 44100, 16000);
        assertEquals(176000, y.length);
        float[] ref;
        try (Safetensors st = Safetensors.open(Fixtures.path("whisper-audio", "reference.safetensors"))) {
            ref = st.tensor("jfk_44k1_stereo.waveform_16k_head").toFloatArray();
        }
        double max = 0, peak = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(y[i] - ref[i]));
            peak = Math.max(peak, Math.abs(ref[i]));
        }
        System.out.printf("resampler vs librosa soxr_hq (jfk_44k1_stereo, first 16000 samples): max |diff| = %.3g (peak %.3f)%n", max, peak);
        assertTrue(max < 1e-6, "max |diff| " + max);
    }

    /** Outputs of libsoxr 0.1.3 (soxr_hq, float32, as librosa calls it) for a tone mix, at chosen indices. */
    @Test
    void matchesLibsoxrAcrossStageLayouts() {
        double[][] golden = {
            // rate, output length, then (index, value) pairs
            {48000, 4000, 0, 0.2793653905391693, 1, 0.10617473721504211, 7, 0.5932344198226929, 100, -0.7522423267364502, 1234, 0.09187434613704681, 3999, -0.27914679050445557},
            {8000, 4000, 0, 0.2418750673532486, 1, 0.07586748898029327, 7, 0.30894988775253296, 100, -0.6818832755088806, 1234, 0.18883772194385529, 3999, -0.006799124181270599},
            {22050, 4000, 0, 0.28479450941085815, 1, 0.09947263449430466, 7, 0.5927156209945679, 100, -0.7522648572921753, 1234, 0.09180109202861786, 3999, -0.2514767050743103},
            {11025, 4000, 0, 0.2694353461265564, 1, -0.17560464143753052, 7, 0.41019803285598755, 100, -0.7024707198143005, 1234, 0.04691833630204201, 3999, -0.286955326795578},
            {44099, 4000, 0, 0.2704204320907593, 1, 0.10648473352193832, 7, 0.5933606028556824, 100, -0.7522650957107544, 1234, 0.09180109202861786, 3999, -0.28036966919898987},
            {32000, 4000, 0, 0.2905677556991577, 1, 0.10381516069173813, 7, 0.5933521389961243, 100, -0.7522509098052979, 1234, 0.09186244010925293, 3999, -0.283214271068573},
            {12000, 4000, 0, 0.26147082448005676, 1, -0.04563209414482117, 7, 0.6903570890426636, 100, -0.681718111038208, 1234, -0.005636334419250488, 3999, -0.31571781635284424},
        };
        for (double[] g : golden) {
            int rate = (int) g[0];
            float[] x = new float[rate / 4];
            for (int n = 0; n < x.length; n++) {
                x[n] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * n / rate) + 0.3 * Math.sin(2 * Math.PI * 5200 * n / rate + 1)
                        + 0.1 * Math.sin(2 * Math.PI * 7900 * n / rate));
            }
            float[] y = Resampler.resample(x, rate, 16000);
            assertEquals((int) g[1], y.length, "length at " + rate);
            for (int k = 2; k < g.length; k += 2) {
                assertEquals(g[k + 1], y[(int) g[k]], 1e-6, rate + " Hz, output " + (int) g[k]);
            }
        }
    }

    /** Stage layouts and filter lengths as libsoxr 0.1.3 reports them (SOXR_TRACE) for these rates. */
    @Test
    void plansTheSameCascadeAsLibsoxr() {
        assertPlan(44100, 0, "FIR 1/1 561", "poly 160 1919");
        assertPlan(48000, 0, "FIR 1/3 581");
        assertPlan(22050, 0, "FIR 2/1 561", "poly 160 1919");
        assertPlan(8000, 0, "FIR 2/1 389");
        assertPlan(11025, 0, "FIR 2/1 409", "poly 320 4799");
        assertPlan(32000, 0, "FIR 1/2 389");
        assertPlan(24000, 0, "FIR 2/3 581");
        assertPlan(12000, 0, "FIR 4/3 777");
        assertPlan(44099, 0, "FIR 1/1 561", "irrational 2048 24575");
        assertPlan(96000, 1, "FIR 1/3 609");
        assertPlan(88200, 1, "FIR 1/1 589", "poly 160 1919");
        assertPlan(192000, 2, "FIR 1/3 629");
    }

    private static void assertPlan(int rate, int halvings, String... rest) {
        List<ResampleStage> stages = SoxrPlan.stages(rate, 16000);
        assertEquals(halvings + rest.length, stages.size(), rate + ": " + Resampler.describe(rate, 16000));
        for (int i = 0; i < halvings; i++) assertInstanceOf(HalfBandStage.class, stages.get(i));
        for (int i = 0; i < rest.length; i++) {
            String got = switch (stages.get(halvings + i)) {
                case FirStage f -> "FIR " + f.l() + "/" + f.m() + " " + f.h().length;
                case PolyphaseStage p -> (p.isRational() ? "poly " : "irrational ") + p.phases() + " " + p.taps();
                case HalfBandStage h -> "half-band";
            };
            assertEquals(rest[i], got, rate + " Hz stage " + (halvings + i));
        }
    }

    @Test
    void sixteenKilohertzIsLeftAlone() {
        float[] x = {0.1f, -0.2f, 0.3f};
        assertSame(x, Resampler.resample(x, 16000, 16000));
        assertTrue(Resampler.describe(16000, 16000).isEmpty());
    }

    @Test
    void lengthIsCeilOfNTimesRatio() {
        int[][] cases = {{44100, 0}, {44100, 1}, {44100, 441}, {44100, 442}, {48000, 3}, {48000, 4}, {8000, 5}, {22050, 1000}, {11025, 7}, {96000, 13}};
        for (int[] c : cases) {
            float[] y = Resampler.resample(new float[c[1]], c[0], 16000);
            assertEquals((long) Math.ceil(c[1] * (16000.0 / c[0])), y.length, c[0] + " Hz, " + c[1] + " samples");
        }
    }

    /** The FFT overlap-save path (long signals) and the direct path (short ones) compute the same convolution. */
    @Test
    void firStageFftAndDirectPathsAgree() {
        java.util.Random r = new java.util.Random(5);
        double[] x = new double[40000];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        for (int[] lm : new int[][] {{1, 1}, {1, 3}, {2, 1}, {4, 3}, {3, 2}}) {
            FirStage stage = FirStage.design(0.9137, 1, Math.max(lm[0], lm[1]), 126.4, lm[0], lm[1]);
            int longLen = (int) ((long) x.length * lm[0] / lm[1]);
            double[] viaFft = stage.apply(x, longLen);  // above the direct-convolution threshold
            double[] direct = stage.apply(x, 500);       // below it
            for (int k = 0; k < 500; k++) assertEquals(direct[k], viaFft[k], 1e-12, "L/M " + lm[0] + "/" + lm[1] + " k " + k);
        }
    }

    /** Pass band: tones keep their amplitude (soxr HQ: "small" roll-off, ≤ 0.01 dB up to 91 % of Nyquist). */
    @Test
    void passBandGainIsOne() {
        for (int rate : new int[] {8000, 22050, 44100, 48000, 96000}) {
            for (double hz : new double[] {100, 1000, 3000, 7000}) {
                if (hz >= 0.45 * rate) continue;
                float[] y = Resampler.resample(tone(rate, hz, 0.5, rate / 2), rate, 16000);
                double amp = amplitude(y, hz, 16000, 1000, 1000 + (y.length - 2000) / 160 * 160); // whole periods
                double db = 20 * Math.log10(amp / 0.5);
                assertEquals(0, db, hz <= 3000 ? 1e-4 : 0.01, rate + " Hz input, " + hz + " Hz tone, gain " + db + " dB");
            }
        }
    }

    /** Stop band: tones above the output Nyquist frequency are removed (> 100 dB), not folded back. */
    @Test
    void stopBandRemovesToneAbove8kHz() {
        for (int rate : new int[] {22050, 44100, 48000, 96000}) {
            for (double hz : new double[] {8200, 9000, 12000, 0.45 * rate}) {
                float[] y = Resampler.resample(tone(rate, hz, 0.9, rate / 2), rate, 16000);
                double rms = 0;
                for (int i = 1000; i < y.length - 1000; i++) rms += y[i] * y[i];
                rms = Math.sqrt(rms / (y.length - 2000));
                assertTrue(rms < 0.9 * 1e-5, rate + " Hz input, " + hz + " Hz tone leaked rms " + rms);
            }
        }
    }

    static float[] tone(int rate, double hz, double amp, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (amp * Math.sin(2 * Math.PI * hz * i / rate));
        return x;
    }

    /** Amplitude of the {@code hz} component over [from, to) by projection on sine and cosine. */
    static double amplitude(float[] y, double hz, int rate, int from, int to) {
        double s = 0, c = 0;
        for (int i = from; i < to; i++) {
            double a = 2 * Math.PI * hz * i / rate;
            s += y[i] * Math.sin(a);
            c += y[i] * Math.cos(a);
        }
        int n = to - from;
        return 2 * Math.hypot(s, c) / n;
    }
}
