package dev.unimoe.tornado;

import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Weights;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoDeviceMap;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;

/** Device discovery, {@code --device} parsing and the memory fit check. */
final class TornadoDevices {
    private TornadoDevices() {}

    static String problem() {
        TornadoDeviceMap map = TornadoExecutionPlan.getTornadoDeviceMap();
        if (map.getNumBackends() == 0) return "TornadoVM found no backend";
        TornadoBackend b = map.getAllBackends().get(0);
        if (b.getNumDevices() == 0) return "TornadoVM backend " + b.getName() + " has no device";
        return null;
    }

    static List<String> describe() {
        TornadoBackend b = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends().get(0);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.getNumDevices(); i++) {
            TornadoDevice d = b.getDevice(i);
            out.add(i + ": " + d.getDeviceName() + " " + d.getPhysicalDevice().getDeviceName() + ", "
                    + (d.getMaxGlobalMemory() >> 20) + " MiB");
        }
        return out;
    }

    static TornadoDevice device(int i) {
        TornadoBackend b = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends().get(0);
        if (i < 0 || i >= b.getNumDevices()) {
            throw new IllegalArgumentException("no TornadoVM device " + i + "; there are " + b.getNumDevices());
        }
        return b.getDevice(i);
    }

    /** Per-graph devices: layers, then the logits graph. */
    static TornadoDevice[] parse(String spec, int layers) {
        TornadoDevice[] out = new TornadoDevice[layers + 1];
        if (spec == null || spec.isBlank()) spec = "0";
        String[] parts = spec.split(",");
        try {
            if (parts.length == 1) {
                java.util.Arrays.fill(out, device(Integer.parseInt(parts[0].trim())));
            } else if (parts.length == layers) {
                Map<Integer, TornadoDevice> byIndex = new HashMap<>();   // one object per device: layers compare them by identity
                for (int i = 0; i < layers; i++) out[i] = byIndex.computeIfAbsent(Integer.parseInt(parts[i].trim()), TornadoDevices::device);
                out[layers] = out[layers - 1];
            } else {
                throw new IllegalArgumentException("--device lists " + parts.length + " devices for " + layers + " layers");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--device must be N or one N per layer (comma separated); got " + spec);
        }
        return out;
    }

    /** Bytes TornadoVM may use on this device: the smaller of its global memory and -Dtornado.device.memory (default 4GB). */
    static long capacity(TornadoDevice d) {
        long heap = parseSize(System.getProperty("tornado.device.memory", "4GB"));
        long global = d.getMaxGlobalMemory();
        return global > 0 ? Math.min(global, heap) : heap;
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mul = 1;
        if (t.endsWith("GB")) { mul = 1L << 30; t = t.substring(0, t.length() - 2); }
        else if (t.endsWith("MB")) { mul = 1L << 20; t = t.substring(0, t.length() - 2); }
        else if (t.endsWith("KB")) { mul = 1L << 10; t = t.substring(0, t.length() - 2); }
        else if (t.endsWith("B")) { t = t.substring(0, t.length() - 1); }
        return (long) (Double.parseDouble(t) * mul);
    }

    static TornadoDecoder open(ModelConfig config, Weights weights, int ctx, int maxBatch, String spec) {
        TornadoDevice[] devs = parse(spec, config.layers());
        for (var e : TornadoDecoder.estimateBytes(config, weights, ctx, maxBatch, devs).entrySet()) {
            long need = e.getValue(), cap = capacity(e.getKey());
            if (need > cap) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the model needs about %.1f MiB on the device %s (weights + KV cache of %d positions + activations) but it offers %.1f MiB"
                                + " (raise -Dtornado.device.memory, shorten --context or spread the layers with --device)",
                        need / 1048576.0, e.getKey().getDeviceName(), ctx, cap / 1048576.0));
            }
        }
        return new TornadoDecoder(config, weights, ctx, maxBatch, devs, spec != null && spec.contains(","));
    }

    static dev.unimoe.kernels.Kernels kernels() {
        return new TornadoKernels(device(0));
    }
}
