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

    @Test
    void longBatchesCrossTokenBlocksAndMatchSingleTokens() {
        SplittableRandom r = new SplittableRandom(5);
        int cols = 64, tokens = 130;                       // two full 64-token blocks and a remainder
        for (DType type : new DType[]{DType.F32, DType.Q8_0, DType.Q4_0, DType.F16}) {
            Matrix w = random(type, 37, cols, r);
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] all = new float[tokens * w.rows()], one = new float[w.rows()];
            CpuKernels.INSTANCE.matmul(w, x, tokens, all);
            for (int t = 0; t < tokens; t++) {
                CpuKernels.INSTANCE.matmul(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one);
                assertArrayEquals(one, java.util.Arrays.copyOfRange(all, t * w.rows(), (t + 1) * w.rows()), type + " token " + t);
            }
        }
    }
}
