package dev.unimoe.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f};

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, Sampler.argmax(LOGITS));
        assertEquals(1, Sampler.greedy().sample(LOGITS, 0, LOGITS.length));
        assertArrayEquals(new int[]{1, 3, 2}, Sampler.topIds(LOGITS, 0, LOGITS.length, 3));
    }

    @Test
    void frequenciesFollowTheTemperedSoftmax() {
        Sampler s = new Sampler(2.0f, 0, 1f, 42);
        int n = 40000;
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < n; i++) counts[s.sample(LOGITS, 0, LOGITS.length)]++;
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l / 2.0);
        for (int i = 0; i < LOGITS.length; i++) {
            double p = Math.exp(LOGITS[i] / 2.0) / z;
            double sd = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(counts[i] - n * p) < 5 * sd, "token " + i + ": " + counts[i] + " vs expected " + n * p);
        }
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        Sampler k2 = new Sampler(1f, 2, 1f, 1);
        for (int i = 0; i < 2000; i++) {
            int id = k2.sample(LOGITS, 0, LOGITS.length);
            assertTrue(id == 1 || id == 3, "top-2 only: " + id);
        }
        Sampler p = new Sampler(0.5f, 0, 0.01f, 1);  // the smallest nucleus is the single best token
        for (int i = 0; i < 200; i++) {
            int id = p.sample(LOGITS, 0, LOGITS.length);
            assertTrue(id == 1 || id == 3, "nucleus: " + id);
        }
    }

    @Test
    void sameSeedSameDraws() {
        Sampler a = new Sampler(1f, 0, 0.9f, 5), b = new Sampler(1f, 0, 0.9f, 5);
        for (int i = 0; i < 100; i++) assertEquals(a.sample(LOGITS, 0, 5), b.sample(LOGITS, 0, 5));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, -3, 1f, 0));
    }
}
