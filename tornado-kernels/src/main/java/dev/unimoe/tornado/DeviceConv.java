package dev.unimoe.tornado;

import dev.unimoe.encoders.Activation;
import dev.unimoe.encoders.Linear;
import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A convolution on the device as unfold + matrix product: the windows of a kernel-3 conv
 * (Whisper's stem) or the patches of a ViT ({@link EncoderDeviceKernels#window3},
 * {@link EncoderDeviceKernels#unfold}), then {@link EncoderDeviceKernels#linear} with bias and
 * activation. The weight goes to the device once; the input goes up and the output comes back
 * per call.
 */
final class DeviceConv implements AutoCloseable {
    private static final int LOCAL = EncoderDeviceKernels.LOCAL;
    private static int counter;

    private final FloatArray in, out;
    private final TornadoExecutionPlan plan;

    private DeviceConv(FloatArray in, FloatArray out, TaskGraph tg, GridScheduler grids, TornadoDevice device) {
        this.in = in;
        this.out = out;
        this.plan = new TornadoExecutionPlan(tg.transferToHost(DataTransferMode.EVERY_EXECUTION, out).snapshot())
                .withGridScheduler(grids).withDevice(device);
    }

    /** Kernel 3, padding 1, {@code stride}, then act, over [channels, frames] (channel-major) or [frames, channels]. */
    static DeviceConv conv3(Linear conv, int channels, int frames, int stride, boolean channelMajor, Activation act, TornadoDevice device) {
        int rows = (frames - 1) / stride + 1, k = channels * 3, n = conv.out();
        FloatArray in = new FloatArray(channels * frames), win = new FloatArray(rows * k), out = new FloatArray(rows * n);
        FloatArray w = new FloatArray(n * k), b = new FloatArray(n);
        DeviceEncoderStack.put(w, 0, conv.weight());
        DeviceEncoderStack.put(b, 0, conv.bias());
        IntArray layer = new IntArray(1);
        String name = "conv" + (counter++);
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w, b, layer, win)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("win", EncoderDeviceKernels::window3, new KernelContext(), in, win, channels, frames, rows, stride, channelMajor ? 1 : 0)
                .task("mm", EncoderDeviceKernels::linear, new KernelContext(), win, w, b, out, layer, rows, n, k, DeviceEncoderStack.mode(act), 0);
        GridScheduler grids = new GridScheduler();
        grids.addWorkerGrid(name + ".win", items(rows * k));
        grids.addWorkerGrid(name + ".mm", DeviceEncoderStack.tiles(n, rows));
        return new DeviceConv(in, out, tg, grids, device);
    }

    /** A ViT patch embedding (stride = kernel = patch, no bias) over pixels [channels, image, image]. */
    static DeviceConv patches(Matrix weight, int channels, int image, int patch, TornadoDevice device) {
        int grid = image / patch, rows = grid * grid, k = channels * patch * patch, n = weight.rows();
        FloatArray in = new FloatArray(channels * image * image), unfolded = new FloatArray(rows * k), out = new FloatArray(rows * n);
        FloatArray w = new FloatArray(n * k), b = new FloatArray(n);
        DeviceEncoderStack.put(w, 0, weight);
        IntArray layer = new IntArray(1);
        String name = "patch" + (counter++);
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w, b, layer, unfolded)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("unfold", EncoderDeviceKernels::unfold, new KernelContext(), in, unfolded, channels, image, patch)
                .task("mm", EncoderDeviceKernels::linear, new KernelContext(), unfolded, w, b, out, layer, rows, n, k, EncoderDeviceKernels.PLAIN, 0);
        GridScheduler grids = new GridScheduler();
        grids.addWorkerGrid(name + ".unfold", items(rows * k));
        grids.addWorkerGrid(name + ".mm", DeviceEncoderStack.tiles(n, rows));
        return new DeviceConv(in, out, tg, grids, device);
    }

    float[] run(float[] input) {
        if (input.length != in.getSize()) throw new IllegalArgumentException("convolution input of " + input.length + " floats, expected " + in.getSize());
        MemorySegment.copy(input, 0, in.getSegment(), ValueLayout.JAVA_FLOAT, 0, input.length);
        Plans.execute(plan, 0);
        return out.getSegment().toArray(ValueLayout.JAVA_FLOAT);
    }

    private static WorkerGrid items(int n) {
        WorkerGrid g = new WorkerGrid1D(DeviceEncoderStack.roundUp(n, LOCAL));
        g.setLocalWork(LOCAL, 1, 1);
        return g;
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a convolution's TornadoVM plan failed: " + e.getMessage(), e);
        }
    }
}
