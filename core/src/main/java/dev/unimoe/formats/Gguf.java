package dev.unimoe.formats;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped. Layout: magic {@code GGUF}, u32
 * version, u64 tensor count, u64 metadata count, the metadata key/value pairs, the tensor infos
 * (name, n_dims, ne[n_dims] with the fastest-varying dimension first, ggml type id, offset into
 * the data section), padding to {@code general.alignment} (default 32), then the tensor data.
 *
 * <p>Every length, count, type id, shape and offset is checked against the file when it is
 * opened, before anything is allocated from it; a bad file fails with a {@link FormatException}
 * naming the file, the field (with its byte offset) and what was expected.
 *
 * <p>Metadata values map to Java as follows. Scalars: every integer type to {@link Long} (unsigned
 * values widened; a uint64 above 2^63-1 keeps its bit pattern), float32 to {@link Float}, float64
 * to {@link Double}, bool to {@link Boolean}, string to {@link String}. Arrays: string to
 * {@code String[]}, float32 to {@code float[]}, int8/uint8/int16/uint16/int32 to {@code int[]}
 * (unsigned widened), uint32/int64/uint64 to {@code long[]}, float64 to {@code double[]}, bool to
 * {@code boolean[]}, an array of arrays to {@code Object[]} of those. The wire type of each value
 * is available through {@link #valueType} and {@link #arrayType}.
 */
public final class Gguf implements AutoCloseable {
    /** GGUF's magic, the bytes "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LEF32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LEF64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Smallest possible encodings, used to reject counts the file cannot hold before allocating. */
    private static final long MIN_KV_BYTES = 8 + 4 + 1;          // empty key, type, 1-byte value
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8; // empty name, n_dims, ne[0], type, offset
    private static final int MAX_ARRAY_NESTING = 16;
    public static final int MAX_DIMS = 4;

    /** One tensor's entry: ggml type, shape {@code ne} (fastest-varying first), offset from {@link #dataStart()}, size. */
    public record TensorInfo(String name, DType type, long[] ne, long offset, long bytes) {
        public TensorInfo {
            ne = ne.clone();
        }

        @Override
        public long[] ne() { return ne.clone(); }

        public int nDims() { return ne.length; }

        public long ne(int i) { return i < ne.length ? ne[i] : 1; }

        public long elements() {
            long n = 1;
            for (long d : ne) n *= d;
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                    && offset == t.offset && bytes == t.bytes;
        }

        @Override
        public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(ne); }

        @Override
        public String toString() {
            return name + " " + type + " " + Arrays.toString(ne) + " @" + offset + " (" + bytes + " bytes)";
        }
    }

    private final MappedFile file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufType> valueTypes;
    private final Map<String, GgufType> arrayTypes;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;
    private final int alignment;

    private Gguf(MappedFile file, int version, Map<String, Object> metadata, Map<String, GgufType> valueTypes,
                 Map<String, GgufType> arrayTypes, Map<String, TensorInfo> tensors, long dataStart, int alignment) {
        this.file = file;
        this.version = version;
        this.metadata = metadata;
        this.valueTypes = valueTypes;
        this.arrayTypes = arrayTypes;
        this.tensors = tensors;
        this.dataStart = dataStart;
        this.alignment = alignment;
    }

    /** Maps and validates {@code p}; throws {@link FormatException} for anything malformed. */
    public static Gguf open(Path p) {
        MappedFile f = MappedFile.open(p);
        try {
            return new Parser(f).parse();
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** True when the file starts with the GGUF magic (cheap; does not validate the rest). */
    public static boolean isGguf(Path p) {
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(b, 0) != 4) return false;
            return b.getInt(0) == MAGIC;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ accessors

    public int version() { return version; }

    public String source() { return file.path().toString(); }

    public Path path() { return file.path(); }

    public long fileSize() { return file.size(); }

    /** All metadata in file order (unmodifiable). */
    public Map<String, Object> metadata() { return metadata; }

    /** All tensor infos in file order (unmodifiable). */
    public Map<String, TensorInfo> tensors() { return tensors; }

    /** Absolute file offset of the data section; tensor offsets are relative to it. */
    public long dataStart() { return dataStart; }

    public int alignment() { return alignment; }

    public boolean has(String key) { return metadata.containsKey(key); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    /** The wire type of a metadata value (ARRAY for arrays), or null when the key is absent. */
    public GgufType valueType(String key) { return valueTypes.get(key); }

    /** The element type of an array value, or null when the key is absent or not an array. */
    public GgufType arrayType(String key) { return arrayTypes.get(key); }

    public String architecture() { return getString("general.architecture"); }

    public TensorInfo tensorInfo(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new FormatException(source(), "tensor " + name, "this tensor to be present");
        return t;
    }

    /** The raw stored bytes of a tensor (mapped, not copied). */
    public MemorySegment tensorBytes(String name) {
        TensorInfo t = tensorInfo(name);
        return file.segment().asSlice(dataStart + t.offset(), t.bytes());
    }

    /** A tensor in its stored format, mapped, not copied. */
    public Tensor tensor(String name) {
        TensorInfo t = tensorInfo(name);
        return Tensor.of(t.type(), tensorBytes(name), t.elements());
    }

    // ------------------------------------------------------------------ typed metadata getters

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new FormatException(source(), "metadata key " + key, "this key to be present");
        return v;
    }

    private String describe(String key) {
        GgufType t = valueTypes.get(key);
        if (t == GgufType.ARRAY) return "an array of " + arrayTypes.get(key);
        Object v = metadata.get(key);
        String s = String.valueOf(v);
        if (s.length() > 40) s = s.substring(0, 40) + "…";
        return t + " " + (v instanceof String ? "\"" + s + "\"" : s);
    }

    public long getLong(String key) {
        if (require(key) instanceof Long l) return l;
        throw new FormatException(source(), "metadata key " + key, "an integer, found " + describe(key));
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new FormatException(source(), "metadata key " + key, "a 32-bit integer, found " + v);
        }
        return (int) v;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    /** A float32/float64 value (integers accepted too) as float. */
    public float getFloat(String key) {
        Object v = require(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d.floatValue();
        if (v instanceof Long l) return l.floatValue();
        throw new FormatException(source(), "metadata key " + key, "a number, found " + describe(key));
    }

    public float getFloat(String key, float dflt) {
        return has(key) ? getFloat(key) : dflt;
    }

    public boolean getBool(String key) {
        if (require(key) instanceof Boolean b) return b;
        throw new FormatException(source(), "metadata key " + key, "a bool, found " + describe(key));
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    public String getString(String key) {
        if (require(key) instanceof String s) return s;
        throw new FormatException(source(), "metadata key " + key, "a string, found " + describe(key));
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    public String[] getStringArray(String key) {
        if (require(key) instanceof String[] a) return a;
        throw new FormatException(source(), "metadata key " + key, "an array of strings, found " + describe(key));
    }

    public float[] getFloatArray(String key) {
        Object v = require(key);
        if (v instanceof float[] a) return a;
        if (v instanceof double[] d) {
            float[] a = new float[d.length];
            for (int i = 0; i < d.length; i++) a[i] = (float) d[i];
            return a;
        }
        throw new FormatException(source(), "metadata key " + key, "an array of float32, found " + describe(key));
    }

    /** An integer array as int[] (uint32/int64/uint64 arrays accepted when every value fits). */
    public int[] getIntArray(String key) {
        Object v = require(key);
        if (v instanceof int[] a) return a;
        if (v instanceof long[] l) {
            int[] a = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
                    throw new FormatException(source(), "metadata key " + key + "[" + i + "]", "a 32-bit integer, found " + l[i]);
                }
                a[i] = (int) l[i];
            }
            return a;
        }
        throw new FormatException(source(), "metadata key " + key, "an array of integers, found " + describe(key));
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "Gguf[" + source() + " v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }

    // ------------------------------------------------------------------ ggml type names

    private static final String[] GGML_TYPE_NAMES = {
            "F32", "F16", "Q4_0", "Q4_1", "Q4_2 (removed)", "Q4_3 (removed)", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
            "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
            "BF16", "Q4_0_4_4 (removed)", "Q4_0_4_8 (removed)", "Q4_0_8_8 (removed)", "TQ1_0", "TQ2_0",
            "IQ4_NL_4_4 (removed)", "IQ4_NL_4_8 (removed)", "IQ4_NL_8_8 (removed)", "MXFP4"};

    /** ggml's name for a type id (also for types this engine does not compute), or null if unknown. */
    public static String ggmlTypeName(long id) {
        return id >= 0 && id < GGML_TYPE_NAMES.length ? GGML_TYPE_NAMES[(int) id] : null;
    }

    // ------------------------------------------------------------------ parser

    private static final class Parser {
        private final MappedFile f;
        private final MemorySegment seg;
        private final long size;
        private final String src;
        private long p;

        Parser(MappedFile f) {
            this.f = f;
            this.seg = f.segment();
            this.size = f.size();
            this.src = f.path().toString();
        }

        private FormatException truncated(String field, long need) {
            return new FormatException(src, field + " (byte " + p + ")",
                    need + " more bytes, but the " + size + "-byte file ends " + (size - p) + " bytes after it (file truncated?)");
        }

        private void need(long n, String field) {
            if (n > size - p) throw truncated(field, n);
        }

        private int u32(String field) {
            need(4, field);
            int v = seg.get(LE32, p);
            p += 4;
            return v;
        }

        /** A u64 count or size; values above 2^63-1 are rejected. */
        private long u64(String field) {
            need(8, field);
            long v = seg.get(LE64, p);
            if (v < 0) {
                throw new FormatException(src, field + " (byte " + p + ")", "a count below 2^63, found " + Long.toUnsignedString(v));
            }
            p += 8;
            return v;
        }

        private String string(String field) {
            long at = p;
            long len = u64(field + " length");
            if (len > size - p) {
                throw new FormatException(src, field + " (string at byte " + at + ")", "a length within the " + (size - p)
                        + " bytes left in the file, found " + len + " (file truncated or corrupt?)");
            }
            if (len > Integer.MAX_VALUE - 8) {
                throw new FormatException(src, field + " (string at byte " + at + ")", "a string shorter than 2 GiB, found " + len + " bytes");
            }
            byte[] b = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, p, b, 0, (int) len);
            p += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        Gguf parse() {
            if (size < 4) throw new FormatException(src, "magic (byte 0)", "the 4 bytes \"GGUF\", but the file has only " + size + " bytes");
            int magic = seg.get(LE32, 0);
            if (magic != MAGIC) {
                byte[] m = seg.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
                StringBuilder hex = new StringBuilder();
                for (byte x : m) hex.append(String.format("%02x", x & 0xff));
                throw new FormatException(src, "magic (byte 0)", "\"GGUF\" (47 47 55 46), found 0x" + hex + " (not a GGUF file)");
            }
            p = 4;
            int version = u32("version");
            if (version != 2 && version != 3) {
                if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                    throw new FormatException(src, "version (byte 4)", "a little-endian GGUF; this file is big-endian, which is not supported");
                }
                throw new FormatException(src, "version (byte 4)", "GGUF version 2 or 3, found " + Integer.toUnsignedString(version)
                        + (version == 1 ? " (GGUF v1 is obsolete; re-convert the model)" : ""));
            }
            long nTensors = u64("tensor count");
            long nKv = u64("metadata key/value count");
            long left = size - p;
            if (nKv > left / MIN_KV_BYTES || nTensors > left / MIN_TENSOR_INFO_BYTES
                    || nKv * MIN_KV_BYTES + nTensors * MIN_TENSOR_INFO_BYTES > left) {
                throw new FormatException(src, "tensor count / metadata count (bytes 8-23)", "counts that fit in the file: "
                        + nTensors + " tensors and " + nKv + " key/value pairs need at least "
                        + (nKv > left || nTensors > left ? "more" : String.valueOf(nKv * MIN_KV_BYTES + nTensors * MIN_TENSOR_INFO_BYTES))
                        + " bytes, the file has " + left + " after the header (truncated or corrupt?)");
            }

            Map<String, Object> meta = new LinkedHashMap<>();
            Map<String, GgufType> types = new LinkedHashMap<>();
            Map<String, GgufType> arrTypes = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                long at = p;
                String key = string("metadata key #" + i);
                String field = "metadata key " + key;
                if (meta.containsKey(key)) throw new FormatException(src, field + " (byte " + at + ")", "each key once; it appears twice");
                long typeAt = p;
                int tid = u32(field + " value type");
                GgufType t = GgufType.fromId(Integer.toUnsignedLong(tid));
                if (t == null) {
                    throw new FormatException(src, field + " value type (byte " + typeAt + ")",
                            "a GGUF value type id 0-12, found " + Integer.toUnsignedString(tid));
                }
                types.put(key, t);
                if (t == GgufType.ARRAY) {
                    GgufType[] et = new GgufType[1];
                    meta.put(key, array(field, 0, et));
                    arrTypes.put(key, et[0]);
                } else {
                    meta.put(key, scalar(t, field));
                }
            }

            int alignment = DEFAULT_ALIGNMENT;
            if (meta.containsKey(ALIGNMENT_KEY)) {
                Object a = meta.get(ALIGNMENT_KEY);
                if (!(a instanceof Long l) || l <= 0 || l > (1 << 30) || Long.bitCount(l) != 1) {
                    throw new FormatException(src, "metadata key " + ALIGNMENT_KEY, "a power of two as uint32, found "
                            + types.get(ALIGNMENT_KEY) + " " + (a instanceof Object[] || a.getClass().isArray() ? "array" : a));
                }
                alignment = (int) (long) l;
            }

            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            for (long i = 0; i < nTensors; i++) {
                long at = p;
                String name = string("tensor info #" + i + " name");
                String field = "tensor " + name;
                if (infos.containsKey(name)) {
                    throw new FormatException(src, field + " (byte " + at + ")", "each tensor name once; it appears twice");
                }
                long dimsAt = p;
                int nd = u32(field + " n_dims");
                if (nd < 1 || nd > MAX_DIMS) {
                    throw new FormatException(src, field + " n_dims (byte " + dimsAt + ")",
                            "1 to " + MAX_DIMS + " dimensions, found " + Integer.toUnsignedString(nd));
                }
                long[] ne = new long[nd];
                long elements = 1;
                for (int d = 0; d < nd; d++) {
                    long neAt = p;
                    need(8, field + " ne[" + d + "]");
                    long v = seg.get(LE64, p);
                    p += 8;
                    if (v <= 0) {
                        throw new FormatException(src, field + " ne[" + d + "] (byte " + neAt + ")",
                                "a positive dimension, found " + (v == 0 ? "0" : Long.toUnsignedString(v)));
                    }
                    ne[d] = v;
                    try {
                        elements = Math.multiplyExact(elements, v);
                    } catch (ArithmeticException e) {
                        throw new FormatException(src, field + " ne", "a shape whose element count fits in 63 bits, found " + Arrays.toString(ne));
                    }
                }
                long typeAt = p;
                int tid = u32(field + " type");
                DType type = DType.fromGgml(tid);
                if (type == null) {
                    String known = ggmlTypeName(Integer.toUnsignedLong(tid));
                    throw new FormatException(src, field + " type (byte " + typeAt + ")",
                            "a ggml type this engine computes (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, I32), found "
                                    + (known != null ? known + " (ggml type id " + tid + "), which is not supported; "
                                    + "re-quantize the model to Q4_K, Q5_K, Q6_K, Q8_0, Q4_0 or F16"
                                    : "unknown ggml type id " + Integer.toUnsignedString(tid)));
                }
                if (ne[0] % type.blockSize != 0) {
                    throw new FormatException(src, field + " ne[0] (byte " + (dimsAt + 4) + ")", "a row length that is a whole number of "
                            + type + " blocks (" + type.blockSize + " values), found ne = " + Arrays.toString(ne));
                }
                long offAt = p;
                long off = u64(field + " data offset");
                if (off % alignment != 0) {
                    throw new FormatException(src, field + " data offset (byte " + offAt + ")",
                            "a multiple of the alignment " + alignment + ", found " + off);
                }
                long bytes = type.bytesFor(elements);
                infos.put(name, new TensorInfo(name, type, ne, off, bytes));
            }

            long dataStart = alignUp(p, alignment);
            if (nTensors > 0 && dataStart > size) {
                throw new FormatException(src, "data section (byte " + dataStart + ")",
                        "tensor data after the header, but the file ends at byte " + size + " (file truncated?)");
            }
            long dataLen = Math.max(0, size - dataStart);
            List<TensorInfo> byOffset = new ArrayList<>(infos.values());
            for (TensorInfo t : byOffset) {
                if (t.offset() > dataLen || t.bytes() > dataLen - t.offset()) {
                    throw new FormatException(src, "tensor " + t.name() + " data",
                            "bytes [" + t.offset() + ", " + (t.offset() + t.bytes()) + ") of the data section ("
                                    + t.type() + " " + Arrays.toString(t.ne) + "), but the data section has only "
                                    + dataLen + " bytes (file truncated?)");
                }
            }
            byOffset.sort((a, b) -> Long.compare(a.offset(), b.offset()));
            for (int k = 1; k < byOffset.size(); k++) {
                TensorInfo a = byOffset.get(k - 1), b = byOffset.get(k);
                if (b.offset() < a.offset() + a.bytes()) {
                    throw new FormatException(src, "tensor " + b.name() + " data offset",
                            "non-overlapping tensor data; it starts at " + b.offset() + " inside tensor " + a.name()
                                    + " [" + a.offset() + ", " + (a.offset() + a.bytes()) + ")");
                }
            }
            return new Gguf(f, version, Collections.unmodifiableMap(meta), Collections.unmodifiableMap(types),
                    Collections.unmodifiableMap(arrTypes), Collections.unmodifiableMap(infos), dataStart, alignment);
        }

        private Object scalar(GgufType t, String field) {
            need(t.size == 0 ? 8 : t.size, field + " value");
            return switch (t) {
                case UINT8 -> (long) (seg.get(ValueLayout.JAVA_BYTE, p++) & 0xff);
                case INT8 -> (long) seg.get(ValueLayout.JAVA_BYTE, p++);
                case UINT16 -> { long v = seg.get(LE16, p) & 0xffffL; p += 2; yield v; }
                case INT16 -> { long v = seg.get(LE16, p); p += 2; yield v; }
                case UINT32 -> { long v = Integer.toUnsignedLong(seg.get(LE32, p)); p += 4; yield v; }
                case INT32 -> { long v = seg.get(LE32, p); p += 4; yield v; }
                case UINT64, INT64 -> { long v = seg.get(LE64, p); p += 8; yield v; }
                case FLOAT32 -> { float v = seg.get(LEF32, p); p += 4; yield v; }
                case FLOAT64 -> { double v = seg.get(LEF64, p); p += 8; yield v; }
                case BOOL -> seg.get(ValueLayout.JAVA_BYTE, p++) != 0;
                case STRING -> string(field);
                case ARRAY -> throw new IllegalStateException();
            };
        }

        private Object array(String field, int depth, GgufType[] elementType) {
            long typeAt = p;
            int tid = u32(field + " array element type");
            GgufType et = GgufType.fromId(Integer.toUnsignedLong(tid));
            if (et == null) {
                throw new FormatException(src, field + " array element type (byte " + typeAt + ")",
                        "a GGUF value type id 0-12, found " + Integer.toUnsignedString(tid));
            }
            elementType[0] = et;
            if (et == GgufType.ARRAY && depth >= MAX_ARRAY_NESTING) {
                throw new FormatException(src, field + " (byte " + typeAt + ")", "arrays nested at most " + MAX_ARRAY_NESTING + " deep");
            }
            long countAt = p;
            long n = u64(field + " array length");
            long minBytes = switch (et) {
                case STRING -> 8;
                case ARRAY -> 12;
                default -> et.size;
            };
            if (n > (size - p) / minBytes) {
                throw new FormatException(src, field + " array length (byte " + countAt + ")", "a length whose "
                        + et + " elements fit in the " + (size - p) + " bytes left in the file, found " + n + " (file truncated or corrupt?)");
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new FormatException(src, field + " array length (byte " + countAt + ")", "fewer than 2^31 elements, found " + n);
            }
            int len = (int) n;
            switch (et) {
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) a[i] = string(field + "[" + i + "]");
                    return a;
                }
                case FLOAT32 -> {
                    float[] a = new float[len];
                    MemorySegment.copy(seg, LEF32, p, a, 0, len);
                    p += 4L * len;
                    return a;
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    MemorySegment.copy(seg, LEF64, p, a, 0, len);
                    p += 8L * len;
                    return a;
                }
                case INT32 -> {
                    int[] a = new int[len];
                    MemorySegment.copy(seg, LE32, p, a, 0, len);
                    p += 4L * len;
                    return a;
                }
                case UINT8, INT8, UINT16, INT16 -> {
                    int[] a = new int[len];
                    for (int i = 0; i < len; i++) a[i] = (int) (long) (Long) scalar(et, field);
                    return a;
                }
                case UINT32 -> {
                    long[] a = new long[len];
                    for (int i = 0; i < len; i++) a[i] = Integer.toUnsignedLong(seg.get(LE32, p + 4L * i));
                    p += 4L * len;
                    return a;
                }
                case UINT64, INT64 -> {
                    long[] a = new long[len];
                    MemorySegment.copy(seg, LE64, p, a, 0, len);
                    p += 8L * len;
                    return a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) a[i] = seg.get(ValueLayout.JAVA_BYTE, p + i) != 0;
                    p += len;
                    return a;
                }
                case ARRAY -> {
                    Object[] a = new Object[len];
                    GgufType[] inner = new GgufType[1];
                    for (int i = 0; i < len; i++) a[i] = array(field + "[" + i + "]", depth + 1, inner);
                    return a;
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    static long alignUp(long v, long alignment) {
        long r = v % alignment;
        return r == 0 ? v : v + alignment - r;
    }
}
