package dev.unimoe.formats;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsMetadataOfEveryType() {
        Path p = tmp.resolve("meta.gguf");
        try (GgufWriter w = new GgufWriter(p)) {
            w.put("a.string", "héllo ▁ world")
                    .put("a.count", 7)
                    .put("a.big", 1L << 40)
                    .put("a.neg", -3)
                    .put("a.f32", 1e-5f)
                    .put("a.f64", 0.125)
                    .put("a.bool", true)
                    .put("a.strings", new String[]{"x", "", "<0x0A>"})
                    .put("a.floats", new float[]{-0.0f, 1.5f})
                    .put("a.ints", new int[]{3, -1})
                    .put("a.longs", new long[]{1L << 33})
                    .put("a.bools", new boolean[]{true, false})
                    .putArray("a.u8s", GgufType.UINT8, new int[]{255, 0})
                    .putArray("a.u32s", GgufType.UINT32, new int[]{7})
                    .putI32("a.i32", 5)
                    .putU64("a.u64", 9)
                    .putI64("a.i64", -9);
            w.finish();
        }
        assertFalse(Files.exists(tmp.resolve("meta.gguf.partial")));
        try (Gguf g = Gguf.open(p)) {
            assertEquals(3, g.version());
            assertEquals("héllo ▁ world", g.getString("a.string"));
            assertEquals(GgufType.UINT32, g.valueType("a.count"));
            assertEquals(7, g.getInt("a.count"));
            assertEquals(GgufType.INT64, g.valueType("a.big"));
            assertEquals(1L << 40, g.getLong("a.big"));
            assertEquals(GgufType.INT32, g.valueType("a.neg"));
            assertEquals(-3, g.getLong("a.neg"));
            assertEquals(GgufType.FLOAT32, g.valueType("a.f32"));
            assertEquals(1e-5f, g.getFloat("a.f32"));
            assertEquals(0.125, (Double) g.metadata().get("a.f64"));
            assertTrue(g.getBool("a.bool"));
            assertArrayEquals(new String[]{"x", "", "<0x0A>"}, g.getStringArray("a.strings"));
            assertArrayEquals(new float[]{-0.0f, 1.5f}, g.getFloatArray("a.floats"));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(g.getFloatArray("a.floats")[0]));
            assertEquals(GgufType.INT32, g.arrayType("a.ints"));
            assertArrayEquals(new int[]{3, -1}, g.getIntArray("a.ints"));
            assertArrayEquals(new long[]{1L << 33}, (long[]) g.metadata().get("a.longs"));
            assertArrayEquals(new boolean[]{true, false}, (boolean[]) g.metadata().get("a.bools"));
            assertArrayEquals(new int[]{255, 0}, g.getIntArray("a.u8s"));
            assertEquals(GgufType.UINT32, g.arrayType("a.u32s"));
            assertArrayEquals(new long[]{7}, (long[]) g.metadata().get("a.u32s"));
            assertEquals(GgufType.INT32, g.valueType("a.i32"));
            assertEquals(GgufType.UINT64, g.valueType("a.u64"));
            assertEquals(-9L, g.getLong("a.i64"));
            assertTrue(g.tensors().isEmpty());
        }
    }

    @Test
    void roundTripsTensorsOfEveryTypeAligned() {
        Path p = tmp.resolve("t.gguf");
        Random r = new Random(1);
        float[] a = new float[96 * 5], b = new float[64 * 3 * 2], c = new float[7];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < c.length; i++) c[i] = (float) r.nextGaussian();
        DType[] types = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0};
        double[] progress = {-1};
        try (GgufWriter w = new GgufWriter(p)) {
            w.onProgress(x -> {
                assertTrue(x >= progress[0], "progress is monotonic");
                progress[0] = x;
            });
            w.put("general.architecture", "test");
            for (DType t : types) {
                w.addTensor("a." + t, t, 96, 5);
                w.addTensor("b." + t, t, 64, 3, 2);
            }
            w.addTensor("c", DType.F32, 7);
            for (DType t : types) {
                w.writeTensor("a." + t, a);
                w.writeTensor("b." + t, (r0, n, dst) -> System.arraycopy(b, (int) r0 * 64, dst, 0, n * 64));
            }
            w.writeTensor("c", c);
            w.finish();
        }
        assertEquals(1.0, progress[0]);
        try (Gguf g = Gguf.open(p)) {
            assertEquals(11, g.tensors().size());
            for (DType t : types) {
                Gguf.TensorInfo ia = g.tensorInfo("a." + t);
                assertEquals(t, ia.type());
                assertArrayEquals(new long[]{96, 5}, ia.ne());
                assertEquals(0, ia.offset() % 32);
                assertArrayEquals(roundTrip(t, a), g.tensor("a." + t).toFloatArray(), 0f, "a." + t);
                assertArrayEquals(new long[]{64, 3, 2}, g.tensorInfo("b." + t).ne());
                assertArrayEquals(roundTrip(t, b), g.tensor("b." + t).toFloatArray(), 0f, "b." + t);
            }
            assertArrayEquals(c, g.tensor("c").toFloatArray(), 0f);
            assertEquals(a[5], g.tensor("a.F32").get(5));
        }
    }

    static float[] roundTrip(DType t, float[] src) {
        byte[] enc = Quantizer.quantize(t, src);
        return dev.unimoe.tensor.Tensor.of(t, MemorySegment.ofArray(enc), src.length).toFloatArray();
    }

    @Test
    void largeTensorStreamsInChunksInOrder() {
        // 3 M values: several chunks and parallel batches; row r holds the value r everywhere.
        Path p = tmp.resolve("big.gguf");
        int cols = 1024, rows = 3000;
        try (GgufWriter w = new GgufWriter(p)) {
            w.addTensor("big", DType.F32, cols, rows);
            w.writeTensor("big", (r0, n, dst) -> {
                for (int k = 0; k < n; k++) java.util.Arrays.fill(dst, k * cols, (k + 1) * cols, r0 + k);
            });
            w.finish();
        }
        try (Gguf g = Gguf.open(p)) {
            var t = g.tensor("big");
            for (int r = 0; r < rows; r += 7) {
                assertEquals(r, t.get((long) r * cols), "row " + r);
                assertEquals(r, t.get((long) r * cols + cols - 1), "row " + r);
            }
        }
    }

    @Test
    void enforcesOrderAndCompletenessAndCleansUp() {
        Path p = tmp.resolve("x.gguf");
        try (GgufWriter w = new GgufWriter(p)) {
            w.addTensor("first", DType.F32, 4);
            w.addTensor("second", DType.F32, 4);
            assertThrows(IllegalStateException.class, () -> w.writeTensor("second", new float[4]));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", DType.Q8_0, 33));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("first", DType.F32, 4));
            w.writeTensor("first", new float[4]);
            assertThrows(IllegalStateException.class, () -> w.put("late", 1));
            assertThrows(IllegalStateException.class, w::finish);
        }
        assertFalse(Files.exists(p), "an unfinished file is not left at the target path");
        assertFalse(Files.exists(tmp.resolve("x.gguf.partial")), "partial file removed");
    }

    @Test
    void customAlignmentIsRecordedAndHonoured() {
        Path p = tmp.resolve("al.gguf");
        try (GgufWriter w = new GgufWriter(p, 64)) {
            w.addTensor("a", DType.F32, 3);
            w.addTensor("b", DType.F32, 5);
            w.writeTensor("a", new float[]{1, 2, 3});
            w.writeTensor("b", new float[]{4, 5, 6, 7, 8});
            w.finish();
        }
        try (Gguf g = Gguf.open(p)) {
            assertEquals(64, g.alignment());
            assertEquals(64, g.tensorInfo("b").offset());
            assertEquals(0, g.dataStart() % 64);
            assertEquals(8f, g.tensor("b").get(4));
        }
    }
}
