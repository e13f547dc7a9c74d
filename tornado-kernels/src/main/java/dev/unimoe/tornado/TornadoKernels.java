package dev.unimoe.tornado;

import dev.unimoe.encoders.Activation;
import dev.unimoe.encoders.EncoderKernels;
import dev.unimoe.encoders.EncoderLayer;
import dev.unimoe.encoders.Linear;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoders and projectors on the device.
 *
 * <p>As {@link EncoderKernels}: a tower's whole layer stack runs as one graph
 * ({@link DeviceEncoderStack}: weights resident, LayerNorm, attention, activations and residuals
 * on the device, one layer per execution), and its convolutions and patch embedding as
 * unfold + matrix product ({@link DeviceConv}). A stack is built on first use per layer list and
 * kept until {@link #release}.
 *
 * <p>As {@link Kernels}: single matrix products (the projectors, the Whisper aligner). A matrix
 * backed by native memory (a mapped checkpoint, never rewritten) becomes resident: its weights go
 * to the device once, in the layout the decoder uses for its format (F32, raw F16 halves, or
 * int8 quants with block scales, see {@link DeviceMatrix}), with its own plan; a call sends only
 * the activations up and the products down. Such plans are kept up to {@link #CACHE_BYTES} of
 * device memory, least recently used first out. A heap-backed matrix (attention keys and values,
 * merged adapters: refilled between calls) is widened afresh and sent with every call instead,
 * through one compiled plan per product shape.
 */
final class TornadoKernels implements Kernels, EncoderKernels {
    static final long CACHE_BYTES = 512L << 20;

    private final TornadoDevice device;
    private final Map<String, Shape> shapes = new HashMap<>();
    private final LinkedHashMap<Matrix, DeviceLinear> resident = new LinkedHashMap<>(16, 0.75f, true);
    private long residentBytes;
    private int counter;
    private final Map<List<EncoderLayer>, DeviceEncoderStack> stacks = new IdentityHashMap<>();
    private final Map<Object, Map<String, DeviceConv>> convs = new IdentityHashMap<>();

    private static final class Shape {
        FloatArray w, x, y;
        TornadoExecutionPlan plan;
    }

    TornadoKernels(TornadoDevice device) {
        this.device = device;
    }

    @Override public String name() { return "tornado"; }

    @Override
    public synchronized void matmul(Matrix w, float[] x, int tokens, float[] out) {
        int rows = w.rows(), cols = w.cols();
        if (tokens <= 0) return;
        if (w.tensor().data().isNative()) {
            resident(w, tokens).run(x, tokens, out);
            return;
        }
        Shape s = shapes.computeIfAbsent(rows + "x" + cols + "x" + tokens, k -> build(rows, cols, tokens));
        float[] f = new float[rows * cols];
        w.tensor().dequantize(w.offset(), f, 0, f.length);
        MemorySegment.copy(f, 0, s.w.getSegment(), ValueLayout.JAVA_FLOAT, 0, rows * cols);
        MemorySegment.copy(x, 0, s.x.getSegment(), ValueLayout.JAVA_FLOAT, 0, tokens * cols);
        Plans.execute(s.plan, 0);
        MemorySegment.copy(s.y.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, 0, tokens * rows);
    }

    /** The resident plan of w, rebuilt with room for at least {@code tokens} rows when it has less. */
    private DeviceLinear resident(Matrix w, int tokens) {
        DeviceLinear d = resident.get(w);
        if (d != null && d.capacity >= tokens) return d;
        if (d != null) {
            resident.remove(w);
            residentBytes -= d.deviceBytes();
            d.close();
        }
        int capacity = DeviceLinear.capacityFor(tokens, w.rows(), w.cols());
        long need = DeviceLinear.deviceBytes(w, capacity), cap = TornadoDevices.capacity(device);
        if (need > cap) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "a %d×%d %s matrix needs about %.1f MiB on the device %s but it offers %.1f MiB (raise -Dtornado.device.memory)",
                    w.rows(), w.cols(), w.tensor().type(), need / 1048576.0, device.getDeviceName(), cap / 1048576.0));
        }
        d = new DeviceLinear(w, capacity, "mm" + (counter++), device);
        resident.put(w, d);
        residentBytes += d.deviceBytes();
        var it = resident.entrySet().iterator();
        while (residentBytes > CACHE_BYTES && resident.size() > 1 && it.hasNext()) {
            var e = it.next();
            if (e.getKey() == w) continue;
            residentBytes -= e.getValue().deviceBytes();
            e.getValue().close();
            it.remove();
        }
        return d;
    }

    /** Matrices resident on the device now (for tests). */
    synchronized int residentMatrices() { return resident.size(); }

    @Override
    public synchronized void layers(List<EncoderLayer> layers, float[] x, int rows, int upTo, List<float[]> states) {
        if (upTo == 0) return;
        DeviceEncoderStack s = stacks.get(layers);
        if (s != null && s.rows != rows) {
            s.close();
            stacks.remove(layers);
            s = null;
        }
        if (s == null) {
            long need = DeviceEncoderStack.deviceBytes(layers, rows), cap = TornadoDevices.capacity(device);
            if (need > cap) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                        "an encoder of %d layers over %d rows needs about %.1f MiB on the device %s but it offers %.1f MiB (raise -Dtornado.device.memory)",
                        layers.size(), rows, need / 1048576.0, device.getDeviceName(), cap / 1048576.0));
            }
            s = new DeviceEncoderStack(layers, rows, device);
            stacks.put(layers, s);
        }
        s.run(x, upTo, states);
    }

    @Override
    public synchronized float[] conv3(Linear conv, float[] in, int channels, int frames, int stride, boolean channelMajor, Activation act) {
        String shape = channels + "x" + frames + "/" + stride + (channelMajor ? "c" : "t") + act;
        return convs.computeIfAbsent(conv, k -> new HashMap<>())
                .computeIfAbsent(shape, k -> DeviceConv.conv3(conv, channels, frames, stride, channelMajor, act, device)).run(in);
    }

    @Override
    public synchronized float[] patchEmbed(Matrix w, float[] pixels, int channels, int image, int patch) {
        String shape = channels + "x" + image + "/" + patch;
        return convs.computeIfAbsent(w, k -> new HashMap<>())
                .computeIfAbsent(shape, k -> DeviceConv.patches(w, channels, image, patch, device)).run(pixels);
    }

    /** Device executions of encoder stacks so far (each runs one layer). */
    synchronized long stackExecutions() {
        long n = 0;
        for (DeviceEncoderStack s : stacks.values()) n += s.executions();
        return n;
    }

    /** The device layout of a resident stack's weights (null when the stack is not on the device). */
    synchronized DeviceMatrix.Format stackWeightFormat(List<EncoderLayer> layers) {
        DeviceEncoderStack s = stacks.get(layers);
        return s == null ? null : s.weightFormat();
    }

    @Override
    public synchronized void release(List<EncoderLayer> layers) {
        DeviceEncoderStack s = stacks.remove(layers);
        if (s != null) s.close();
    }

    private Shape build(int rows, int cols, int tokens) {
        Shape s = new Shape();
        s.w = new FloatArray(rows * cols);
        s.x = new FloatArray(tokens * cols);
        s.y = new FloatArray(tokens * rows);
        String name = "mm" + (counter++);
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, s.w, s.x)
                .task("t", MatVecKernels::matmulF32, new KernelContext(), s.w, s.x, s.y, rows, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, s.y);
        WorkerGrid1D g = new WorkerGrid1D(tokens * rows * MatVecKernels.LOCAL);
        g.setLocalWork(MatVecKernels.LOCAL, 1, 1);
        s.plan = new TornadoExecutionPlan(tg.snapshot()).withGridScheduler(new GridScheduler(name + ".t", g)).withDevice(device);
        return s;
    }
}
