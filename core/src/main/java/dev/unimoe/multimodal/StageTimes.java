package dev.unimoe.multimodal;

import java.util.LinkedHashMap;
import java.util.Map;

/** Wall time per pipeline stage (decode media, features, encoder, projector, prefill, decode), in seconds. */
public final class StageTimes {
    public static final String[] STAGES = {"decode_media", "features", "encoder", "projector", "prefill", "decode"};
    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public StageTimes() {
        for (String s : STAGES) nanos.put(s, 0L);
    }

    public void add(String stage, long ns) {
        if (!nanos.containsKey(stage)) throw new IllegalArgumentException("unknown stage " + stage);
        nanos.merge(stage, ns, Long::sum);
    }

    /** Runs body, charging its time to stage. */
    public <T> T time(String stage, java.util.function.Supplier<T> body) {
        long t0 = System.nanoTime();
        try {
            return body.get();
        } finally {
            add(stage, System.nanoTime() - t0);
        }
    }

    public Map<String, Object> seconds() {
        Map<String, Object> m = new LinkedHashMap<>();
        nanos.forEach((k, v) -> m.put(k, Math.round(v / 1e5) / 1e4));
        return m;
    }
}
