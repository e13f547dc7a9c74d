package dev.unimoe.formats;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Quantizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.stream.IntStream;

/**
 * Writes a GGUF v3 file: declare metadata and tensors (name, type, shape), then stream each
 * tensor's data in declaration order. Tensor data is produced and encoded chunk by chunk (in
 * parallel, written in order), so a model of any size is written with a small heap.
 *
 * <p>The file is written to {@code <out>.partial} and moved to {@code out} by {@link #finish()};
 * closing a writer that was not finished deletes the partial file.
 *
 * <p>Untyped integer metadata given to {@link #put} is written as UINT32 when it fits (what
 * llama.cpp writes for counts, lengths and token ids), else INT32/INT64; use the typed
 * {@code putXxx} methods for anything else.
 */
public final class GgufWriter implements AutoCloseable {
    /** Produces rows {@code [firstRow, firstRow + count)} of a tensor as float32, {@code ne[0]} values per row. Called from several threads at once. */
    @FunctionalInterface
    public interface RowSource {
        void rows(long firstRow, int count, float[] dst);
    }

    private record Kv(GgufType type, GgufType elementType, Object value) {}

    private record Decl(String name, DType type, long[] ne, long elements, long offset, long bytes) {}

    private static final int CHUNK_VALUES = 1 << 18;

    private final Path out;
    private final Path partial;
    private final int alignment;
    private final Map<String, Kv> kvs = new LinkedHashMap<>();
    private final List<Decl> decls = new ArrayList<>();
    private final Map<String, Decl> byName = new LinkedHashMap<>();
    private long dataBytes;
    private FileChannel ch;
    private int next;           // index of the next tensor whose data is expected
    private long written;       // data-section bytes written so far
    private boolean finished;
    private DoubleConsumer progress;

    public GgufWriter(Path out) {
        this(out, Gguf.DEFAULT_ALIGNMENT);
    }

    /** A writer with a non-default alignment (also recorded as {@code general.alignment}). */
    public GgufWriter(Path out, int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        this.out = out.toAbsolutePath();
        this.partial = this.out.resolveSibling(this.out.getFileName() + ".partial");
        this.alignment = alignment;
        if (alignment != Gguf.DEFAULT_ALIGNMENT) putU32(Gguf.ALIGNMENT_KEY, alignment);
    }

    public Path path() { return out; }

    /** Called with the fraction of tensor bytes written (0..1) as data is streamed. */
    public GgufWriter onProgress(DoubleConsumer p) {
        this.progress = p;
        return this;
    }

    // ------------------------------------------------------------------ metadata

    private GgufWriter kv(String key, GgufType t, GgufType et, Object v) {
        if (ch != null) throw new IllegalStateException("metadata must be set before tensor data is written: " + key);
        if (key == null || v == null) throw new IllegalArgumentException("null key or value");
        kvs.put(key, new Kv(t, et, v));
        return this;
    }

    public GgufWriter putString(String key, String v) { return kv(key, GgufType.STRING, null, v); }

    public GgufWriter putBool(String key, boolean v) { return kv(key, GgufType.BOOL, null, v); }

    public GgufWriter putF32(String key, float v) { return kv(key, GgufType.FLOAT32, null, v); }

    public GgufWriter putF64(String key, double v) { return kv(key, GgufType.FLOAT64, null, v); }

    public GgufWriter putU32(String key, long v) {
        if (v < 0 || v > 0xFFFFFFFFL) throw new IllegalArgumentException(key + ": " + v + " does not fit uint32");
        return kv(key, GgufType.UINT32, null, v);
    }

    public GgufWriter putI32(String key, int v) { return kv(key, GgufType.INT32, null, (long) v); }

    public GgufWriter putU64(String key, long v) { return kv(key, GgufType.UINT64, null, v); }

    public GgufWriter putI64(String key, long v) { return kv(key, GgufType.INT64, null, v); }

    /**
     * An array value: {@code String[]} (STRING), {@code float[]} (FLOAT32), {@code double[]} (FLOAT64),
     * {@code boolean[]} (BOOL), {@code int[]} (any integer type up to 32 bits) or {@code long[]}
     * (UINT32, INT32, UINT64, INT64).
     */
    public GgufWriter putArray(String key, GgufType elementType, Object array) {
        boolean ok = switch (elementType) {
            case STRING -> array instanceof String[];
            case FLOAT32 -> array instanceof float[];
            case FLOAT64 -> array instanceof double[];
            case BOOL -> array instanceof boolean[];
            case UINT8, INT8, UINT16, INT16 -> array instanceof int[];
            case UINT32, INT32 -> array instanceof int[] || array instanceof long[];
            case UINT64, INT64 -> array instanceof long[] || array instanceof int[];
            case ARRAY -> false;
        };
        if (!ok) throw new IllegalArgumentException(key + ": " + array.getClass().getSimpleName() + " cannot be written as an array of " + elementType);
        return kv(key, GgufType.ARRAY, elementType, array);
    }

    /**
     * A value whose GGUF type follows from its Java type: String, Boolean, Float (float32),
     * Double (float64), Integer/Long (uint32 when in [0, 2^32), else int32 or int64), String[],
     * float[], double[], boolean[], int[] (int32) and long[] (int64).
     */
    public GgufWriter put(String key, Object v) {
        return switch (v) {
            case String s -> putString(key, s);
            case Boolean b -> putBool(key, b);
            case Float f -> putF32(key, f);
            case Double d -> putF64(key, d);
            case Integer i -> putInteger(key, i);
            case Long l -> putInteger(key, l);
            case Short s -> putInteger(key, s);
            case Byte b -> putInteger(key, b);
            case String[] a -> putArray(key, GgufType.STRING, a);
            case float[] a -> putArray(key, GgufType.FLOAT32, a);
            case double[] a -> putArray(key, GgufType.FLOAT64, a);
            case boolean[] a -> putArray(key, GgufType.BOOL, a);
            case int[] a -> putArray(key, GgufType.INT32, a);
            case long[] a -> putArray(key, GgufType.INT64, a);
            case null -> throw new IllegalArgumentException(key + ": null value");
            default -> throw new IllegalArgumentException(key + ": cannot write a " + v.getClass().getSimpleName() + " as GGUF metadata");
        };
    }

    private GgufWriter putInteger(String key, long v) {
        if (v >= 0 && v <= 0xFFFFFFFFL) return putU32(key, v);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return putI32(key, (int) v);
        return putI64(key, v);
    }

    public boolean has(String key) { return kvs.containsKey(key); }

    // ------------------------------------------------------------------ tensors

    /** Declares a tensor; {@code ne} lists the fastest-varying dimension first (ggml order). */
    public GgufWriter addTensor(String name, DType type, long... ne) {
        if (ch != null) throw new IllegalStateException("tensors must be declared before data is written: " + name);
        if (byName.containsKey(name)) throw new IllegalArgumentException("tensor declared twice: " + name);
        if (ne.length < 1 || ne.length > Gguf.MAX_DIMS) throw new IllegalArgumentException(name + ": 1 to 4 dimensions, got " + ne.length);
        long n = 1;
        for (long d : ne) {
            if (d <= 0) throw new IllegalArgumentException(name + ": dimensions must be positive: " + Arrays.toString(ne));
            n = Math.multiplyExact(n, d);
        }
        if (ne[0] % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": " + type + " rows need a multiple of " + type.blockSize + " values, ne[0] = " + ne[0]);
        }
        if (ne[0] > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + ": row too long: " + ne[0]);
        long bytes = type.bytesFor(n);
        Decl d = new Decl(name, type, ne.clone(), n, dataBytes, bytes);
        dataBytes = Gguf.alignUp(dataBytes + bytes, alignment);
        decls.add(d);
        byName.put(name, d);
        return this;
    }

    /** Total size of the data section, padding included. */
    public long dataBytes() { return dataBytes; }

    public int tensorCount() { return decls.size(); }

    /** Streams a tensor's values, encoding them to its declared type; tensors must come in declaration order. */
    public void writeTensor(String name, RowSource src) {
        Decl d = expect(name);
        int rowLen = (int) d.ne[0];
        long rows = d.elements / rowLen;
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_VALUES / rowLen));
        long nChunks = (rows + chunkRows - 1) / chunkRows;
        int batch = Math.max(1, Math.min(64, 2 * Runtime.getRuntime().availableProcessors()));
        for (long c0 = 0; c0 < nChunks; c0 += batch) {
            int nb = (int) Math.min(batch, nChunks - c0);
            byte[][] enc = new byte[nb][];
            long first = c0;
            IntStream.range(0, nb).parallel().forEach(k -> {
                long r0 = (first + k) * chunkRows;
                int nr = (int) Math.min(chunkRows, rows - r0);
                int n = nr * rowLen;
                float[] buf = new float[n];
                src.rows(r0, nr, buf);
                byte[] b = new byte[Math.toIntExact(d.type.bytesFor(n))];
                Quantizer.quantize(d.type, buf, 0, n, MemorySegment.ofArray(b), 0);
                enc[k] = b;
            });
            for (byte[] b : enc) write(ByteBuffer.wrap(b));
            report();
        }
        endTensor(d);
    }

    /** Writes a tensor given as float32 values (encoded to its declared type). */
    public void writeTensor(String name, float[] values) {
        Decl d = byName.get(name);
        if (d != null && values.length != d.elements) {
            throw new IllegalArgumentException(name + ": " + d.elements + " values declared, " + values.length + " given");
        }
        int rowLen = d == null ? 1 : (int) d.ne[0];
        writeTensor(name, (r0, n, dst) -> System.arraycopy(values, (int) (r0 * rowLen), dst, 0, n * rowLen));
    }

    /** Copies already-encoded bytes (exactly the declared type's size) as a tensor's data. */
    public void writeTensorBytes(String name, MemorySegment raw) {
        Decl d = expect(name);
        if (raw.byteSize() != d.bytes) {
            throw new IllegalArgumentException(name + ": " + d.bytes + " bytes of " + d.type + " expected, got " + raw.byteSize());
        }
        long step = 1 << 24;
        for (long o = 0; o < raw.byteSize(); o += step) {
            long n = Math.min(step, raw.byteSize() - o);
            write(ByteBuffer.wrap(raw.asSlice(o, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            report();
        }
        endTensor(d);
    }

    private Decl expect(String name) {
        if (finished) throw new IllegalStateException("writer already finished");
        Decl d = byName.get(name);
        if (d == null) throw new IllegalArgumentException("tensor not declared: " + name);
        if (next >= decls.size() || decls.get(next) != d) {
            throw new IllegalStateException("tensor data out of order: got " + name + ", expected "
                    + (next < decls.size() ? decls.get(next).name : "no more tensors"));
        }
        if (ch == null) writeHeader();
        if (written != d.offset) throw new IllegalStateException("data position " + written + " != offset " + d.offset + " of " + name);
        return d;
    }

    private void endTensor(Decl d) {
        if (written != d.offset + d.bytes) {
            throw new IllegalStateException(d.name + ": wrote " + (written - d.offset) + " bytes, expected " + d.bytes);
        }
        long pad = Gguf.alignUp(written, alignment) - written;
        if (pad > 0) write(ByteBuffer.allocate((int) pad));
        next++;
    }

    private void report() {
        if (progress != null && dataBytes > 0) progress.accept(Math.min(1.0, (double) written / dataBytes));
    }

    private void write(ByteBuffer b) {
        try {
            while (b.hasRemaining()) written += ch.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + partial + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ header

    private void writeHeader() {
        Buf h = new Buf();
        h.u32(Gguf.MAGIC);
        h.u32(3);
        h.u64(decls.size());
        h.u64(kvs.size());
        for (var e : kvs.entrySet()) {
            h.str(e.getKey());
            Kv kv = e.getValue();
            h.u32(kv.type.id);
            if (kv.type == GgufType.ARRAY) {
                h.u32(kv.elementType.id);
                array(h, kv.elementType, kv.value);
            } else {
                scalar(h, kv.type, kv.value);
            }
        }
        for (Decl d : decls) {
            h.str(d.name);
            h.u32(d.ne.length);
            for (long x : d.ne) h.u64(x);
            h.u32(d.type.ggmlId);
            h.u64(d.offset);
        }
        long headerLen = h.len;
        h.pad(Gguf.alignUp(headerLen, alignment) - headerLen);
        try {
            Files.createDirectories(partial.getParent());
            ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            ByteBuffer b = ByteBuffer.wrap(h.b, 0, h.len);
            while (b.hasRemaining()) ch.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + partial + ": " + e.getMessage(), e);
        }
    }

    private static void scalar(Buf h, GgufType t, Object v) {
        switch (t) {
            case UINT8, INT8 -> h.u8((int) (long) (Long) v);
            case UINT16, INT16 -> h.u16((int) (long) (Long) v);
            case UINT32, INT32 -> h.u32((int) (long) (Long) v);
            case UINT64, INT64 -> h.u64((Long) v);
            case FLOAT32 -> h.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> h.u64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> h.u8((Boolean) v ? 1 : 0);
            case STRING -> h.str((String) v);
            case ARRAY -> throw new IllegalStateException();
        }
    }

    private static void array(Buf h, GgufType et, Object a) {
        switch (a) {
            case String[] s -> { h.u64(s.length); for (String x : s) h.str(x); }
            case float[] f -> { h.u64(f.length); for (float x : f) h.u32(Float.floatToRawIntBits(x)); }
            case double[] d -> { h.u64(d.length); for (double x : d) h.u64(Double.doubleToRawLongBits(x)); }
            case boolean[] b -> { h.u64(b.length); for (boolean x : b) h.u8(x ? 1 : 0); }
            case int[] i -> { h.u64(i.length); for (int x : i) intElement(h, et, x); }
            case long[] l -> { h.u64(l.length); for (long x : l) intElement(h, et, x); }
            default -> throw new IllegalStateException();
        }
    }

    private static void intElement(Buf h, GgufType et, long x) {
        switch (et.size) {
            case 1 -> h.u8((int) x);
            case 2 -> h.u16((int) x);
            case 4 -> h.u32((int) x);
            default -> h.u64(x);
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Buf {
        byte[] b = new byte[1 << 16];
        int len;

        void ensure(long n) {
            if (len + n > b.length) {
                long cap = Math.max(len + n, 2L * b.length);
                if (cap > Integer.MAX_VALUE - 8) throw new IllegalStateException("GGUF header larger than 2 GiB");
                b = Arrays.copyOf(b, (int) cap);
            }
        }

        void u8(int v) { ensure(1); b[len++] = (byte) v; }

        void u16(int v) { ensure(2); b[len++] = (byte) v; b[len++] = (byte) (v >>> 8); }

        void u32(int v) { ensure(4); for (int i = 0; i < 4; i++) b[len++] = (byte) (v >>> (8 * i)); }

        void u64(long v) { ensure(8); for (int i = 0; i < 8; i++) b[len++] = (byte) (v >>> (8 * i)); }

        void str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            u64(u.length);
            ensure(u.length);
            System.arraycopy(u, 0, b, len, u.length);
            len += u.length;
        }

        void pad(long n) { ensure(n); len += (int) n; }
    }

    // ------------------------------------------------------------------ finishing

    /** Checks every declared tensor was written, then moves the file into place. */
    public void finish() {
        if (finished) return;
        if (ch == null) writeHeader();
        if (next != decls.size()) {
            throw new IllegalStateException("tensor data missing from " + decls.get(next).name + " on (" + (decls.size() - next) + " tensors)");
        }
        try {
            ch.close();
            ch = null;
            try {
                Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("finishing " + out + ": " + e.getMessage(), e);
        }
        finished = true;
        if (progress != null) progress.accept(1.0);
    }

    /** Releases the file; an unfinished file is deleted. */
    @Override
    public void close() {
        if (finished) return;
        try {
            if (ch != null) ch.close();
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            // best effort: the partial file is garbage either way
        }
        ch = null;
    }

    /** The tensor order, names and ne given so far (for callers that stream their own data). */
    public List<String> tensorNames() {
        return decls.stream().map(Decl::name).toList();
    }
}
