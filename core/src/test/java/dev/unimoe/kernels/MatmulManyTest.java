package dev.unimoe.kernels;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Quantizer;
import dev.unimoe.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** One pass over several matrices of one input equals one matmul per matrix, bit for bit, whatever the formats. */
class MatmulManyTest {
    static Matrix random(DType type, int rows, int cols, SplittableRandom r) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        byte[] b = Quantizer.quantize(type, v);
        return Matrix.of(Tensor.of(type, MemorySegment.ofArray(b), v.length), rows, cols);
    }

    @Test
    void mixedFormatsEqualSeparateProducts() {
        SplittableRandom r = new SplittableRandom(11);
        int cols = 96;
        Matrix[] ws = {random(DType.Q4_0, 70, cols, r), random(DType.Q8_0, 33, cols, r), random(DType.F32, 5, cols, r),
                random(DType.F16, 17, cols, r), random(DType.BF16, 64, cols, r)};
        for (int tokens : new int[]{1, 3, 9}) {
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[][] many = new float[ws.length][], single = new float[ws.length][];
            for (int i = 0; i < ws.length; i++) {
                many[i] = new float[tokens * ws[i].rows()];
                single[i] = new float[tokens * ws[i].rows()];
                CpuKernels.INSTANCE.matmul(ws[i], x, tokens, single[i]);
            }
            CpuKernels.INSTANCE.matmulMany(ws, x, tokens, many);
            for (int i = 0; i < ws.length; i++) assertArrayEquals(single[i], many[i], ws[i].tensor().type() + " tokens " + tokens);
        }
    }
}
