package dev.unimoe.tensor;

import dev.unimoe.Fixtures;
import dev.unimoe.kernels.CpuKernels;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q4_K, Q5_K and Q6_K against ggml's own {@code dequantize_row_*} (fixtures/kquants, made by
 * ggml's C code): the expansion bit for bit, on the vector and the plain path; products with
 * 8-bit activations as llama.cpp computes them, the same for one token or a batch.
 */
class KQuantTest {
    static final DType[] TYPES = {DType.Q4_K, DType.Q5_K, DType.Q6_K};
    static final int N = 2048;

    static Path dir() { return Fixtures.path("kquants"); }

    static KQuantTensor tensor(DType type) throws IOException {
        byte[] b = Files.readAllBytes(dir().resolve(type.name().toLowerCase() + ".bin"));
        assertEquals(type.bytesFor(N), b.length, type + " fixture size");
        return (KQuantTensor) Tensor.of(type, MemorySegment.ofArray(b), N);
    }

    static float[] floats(String file) throws IOException {
        byte[] b = Files.readAllBytes(dir().resolve(file));
        float[] f = new float[b.length / 4];
        MemorySegment.copy(MemorySegment.ofArray(b), ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, f, 0, f.length);
        return f;
    }

    @Test
    void expansionEqualsGgmlBitForBit() throws IOException {
        for (DType type : TYPES) {
            KQuantTensor t = tensor(type);
            float[] ref = floats(type.name().toLowerCase() + ".f32");
            for (boolean vector : new boolean[] {true, false}) {
                float[] got = new float[N];
                t.expand(0, N / 256, got, 0, vector);
                for (int i = 0; i < N; i++) {
                    assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(got[i]), type + (vector ? " vector" : " plain") + " value " + i);
                }
            }
            assertArrayEquals(ref, t.toFloatArray(), type + " toFloatArray");
            for (int i : new int[] {0, 1, 255, 256, 700, 2047}) assertEquals(ref[i], t.get(i), type + " get " + i);
            float[] part = new float[37];
            t.dequantize(300, part, 0, 37);                     // an unaligned stretch
            assertArrayEquals(Arrays.copyOfRange(ref, 300, 337), part, type + " unaligned dequantize");
        }
    }

    @Test
    void quantizerWritesGgmlsBytes() throws IOException {
        float[] x = floats("input.f32");
        for (DType type : TYPES) {
            byte[] want = Files.readAllBytes(dir().resolve(type.name().toLowerCase() + ".bin"));
            byte[] got = Quantizer.quantize(type, x);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], type + " byte " + i + " (super-block " + i / type.blockBytes + ", offset " + i % type.blockBytes + ")");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(DType.Q4_K, new float[128]));
        byte[] zeros = Quantizer.quantize(DType.Q6_K, new float[256]);
        for (byte b : zeros) assertEquals(0, b, "an all-zero super-block is all zero bytes");
    }

    @Test
    void expansionIsCloseToTheQuantizedInput() throws IOException {
        float[] x = floats("input.f32");
        // the reference quantizers' own error bounds, loosely: |x − x̂| small against the super-block's range
        double[] bound = {0.08, 0.04, 0.02};
        for (int k = 0; k < TYPES.length; k++) {
            float[] y = tensor(TYPES[k]).toFloatArray();
            for (int sb = 0; sb < N / 256; sb++) {
                double range = 0;
                for (int i = sb * 256; i < sb * 256 + 256; i++) range = Math.max(range, Math.abs(x[i]));
                for (int i = sb * 256; i < sb * 256 + 256; i++) {
                    assertTrue(Math.abs(x[i] - y[i]) <= bound[k] * range + 1e-6, TYPES[k] + " value " + i + ": " + x[i] + " vs " + y[i]);
                }
            }
        }
    }

    /**
     * The kernels' product is llama.cpp's: integer dots of the quants with 8-bit activations
     * (Q8_0 blocks), scaled per sub-block. Reference in double: Σ ŵ·x̂ over ggml's expanded weights
     * ŵ and the activations as the kernel quantizes them (x̂ = d_x·q_x), which is the same sum
     * exactly apart from float32 rounding; tolerance 1e-5 · Σ|ŵ·x̂|. A token's result does not
     * depend on the batch it comes in (bit-identical), and the float-activation {@code dot} stays
     * the float dot of the expanded values.
     */
    @Test
    void productsAreTheQuantizedActivationDotOfTheExpandedRows() throws IOException {
        for (int cw : new int[] {256, 512}) {
            for (DType type : TYPES) {
                KQuantTensor t = tensor(type);
                float[] wf = t.toFloatArray();
                Matrix w = Matrix.of(t, N / cw, cw);
                int tokens = 5;
                float[] x = TensorDotTest.activations(tokens * cw, 3);
                float[] got = new float[tokens * w.rows()];
                CpuKernels.INSTANCE.matmul(w, x, tokens, got);
                Q8Activations xq = new Q8Activations().quantize(x, 0, tokens, cw, false);
                for (int tk = 0; tk < tokens; tk++) {
                    for (int r = 0; r < w.rows(); r++) {
                        double sum = 0, abs = 0;
                        for (int i = 0; i < cw; i++) {
                            int xi = tk * cw + i;
                            double p = (double) wf[r * cw + i] * xq.scale(xi / 32) * xq.quant(xi);
                            sum += p;
                            abs += Math.abs(p);
                        }
                        float g = got[tk * w.rows() + r];
                        assertTrue(Math.abs(g - sum) <= 1e-5 * abs + 1e-30, type + " " + cw + " wide, token " + tk + " row " + r + ": " + g + " vs " + sum);
                    }
                    float[] one = new float[w.rows()];                 // decode: one token
                    CpuKernels.INSTANCE.matmul(w, Arrays.copyOfRange(x, tk * cw, (tk + 1) * cw), 1, one);
                    for (int r = 0; r < w.rows(); r++) assertEquals(got[tk * w.rows() + r], one[r], 0f, type + " token " + tk + " row " + r + " alone");
                }
                float[] want = new float[w.rows()];
                CpuKernels.INSTANCE.matmul(Matrix.of(F32Tensor.wrap(wf), N / cw, cw), x, 1, want);
                assertEquals(want[0], t.dot(0, x, 0, cw), 0f, type + " float dot of the expanded row");
            }
        }
    }

    @Test
    void partialSuperBlocksAreRejected() throws IOException {
        KQuantTensor t = tensor(DType.Q4_K);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.dot(32, new float[256], 0, 256));
        assertTrue(e.getMessage().contains("whole super-blocks"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(DType.Q6_K, MemorySegment.ofArray(new byte[209]), 256));
    }
}
