package dev.unimoe.multimodal;

import dev.unimoe.model.Trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records, for every layer and every position (prompt and generated), the chosen experts and
 * their mixing weights; {@link #toJson} adds which modality each position came from. This is
 * what {@code --routing FILE} writes and what the desktop app and evaluations read.
 */
public final class RoutingRecorder implements Trace {
    private final int layers, k;
    private final List<List<int[]>> ids = new ArrayList<>();
    private final List<List<float[]>> weights = new ArrayList<>();

    public RoutingRecorder(int layers, int k) {
        this.layers = layers;
        this.k = k;
        for (int l = 0; l < layers; l++) {
            ids.add(new ArrayList<>());
            weights.add(new ArrayList<>());
        }
    }

    @Override
    public void routing(int layer, int pos, float[] routerLogits, int[] chosen, float[] w, int tokens) {
        List<int[]> li = ids.get(layer);
        List<float[]> lw = weights.get(layer);
        for (int t = 0; t < tokens; t++) {
            int p = pos + t;
            while (li.size() <= p) { li.add(null); lw.add(null); }
            li.set(p, java.util.Arrays.copyOfRange(chosen, t * k, (t + 1) * k));
            lw.set(p, java.util.Arrays.copyOfRange(w, t * k, (t + 1) * k));
        }
    }

    public int positions() {
        return ids.isEmpty() ? 0 : ids.get(0).size();
    }

    /** Expert ids chosen at (layer, position). */
    public int[] experts(int layer, int pos) { return ids.get(layer).get(pos); }

    public float[] weights(int layer, int pos) { return weights.get(layer).get(pos); }

    /**
     * @param spliced  the prompt as fed to the decoder (modality per row)
     * @param generated ids generated after the prompt (text positions)
     */
    public Map<String, Object> toJson(Spliced spliced, int[] generated, int experts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", layers);
        m.put("experts", experts);
        m.put("experts_per_token", k);
        List<Object> pos = new ArrayList<>();
        int n = positions();
        for (int p = 0; p < n; p++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("pos", p);
            boolean prompt = p < spliced.rows();
            e.put("modality", prompt ? spliced.modalityAt(p).label() : "text");
            e.put("generated", !prompt);
            int tok = prompt ? spliced.tokenIds()[p] : p - spliced.rows() < generated.length ? generated[p - spliced.rows()] : -1;
            e.put("token", tok >= 0 ? tok : null);
            pos.add(e);
        }
        m.put("positions", pos);
        List<Object> per = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("layer", l);
            List<Object> ex = new ArrayList<>(), wt = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                ex.add(ids.get(l).get(p));
                wt.add(weights.get(l).get(p));
            }
            e.put("experts", ex);
            e.put("weights", wt);
            per.add(e);
        }
        m.put("routing", per);
        return m;
    }
}
