package dev.unimoe.formats;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file: u64 little-endian header length, a JSON header naming every tensor's
 * dtype, shape and [begin, end) byte range in the data section, then the data. Every claim of
 * the header is checked against the file before a tensor is handed out.
 */
public final class Safetensors implements AutoCloseable {
    /** A tensor's entry in the header. */
    public record Entry(String name, String dtypeName, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    /** Safetensors dtype names and their element sizes, including ones we only recognise. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U8", 1), Map.entry("U16", 2), Map.entry("U32", 4), Map.entry("U64", 8),
            Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    private static final long MAX_HEADER = 100L << 20;

    private final MappedFile file;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final long dataStart;

    private Safetensors(MappedFile file, Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {
        this.file = file;
        this.entries = entries;
        this.metadata = metadata;
        this.dataStart = dataStart;
    }

    public static Safetensors open(java.nio.file.Path path) {
        MappedFile f = MappedFile.open(path);
        try {
            return parse(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static Safetensors parse(MappedFile f) {
        String src = f.path().toString();
        MemorySegment seg = f.segment();
        if (seg.byteSize() < 8) {
            throw new FormatException(src, "header length", "8 bytes, file has only " + seg.byteSize());
        }
        long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > seg.byteSize()) {
            throw new FormatException(src, "header length",
                    "a length between 1 and " + Math.min(MAX_HEADER, seg.byteSize() - 8) + " bytes, found " + headerLen
                            + " (file truncated or not safetensors?)");
        }
        byte[] hb = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(src, "header", "UTF-8 JSON");
        }
        Map<String, Object> json = Json.parseObject(header.stripTrailing(), src + " (header)");
        long dataStart = 8 + headerLen;
        long dataLen = seg.byteSize() - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (var e : json.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    for (var me : m.entrySet()) meta.put(String.valueOf(me.getKey()), String.valueOf(me.getValue()));
                }
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?>)) throw new FormatException(src, "tensor " + name, "an object");
            @SuppressWarnings("unchecked")
            JsonFields t = new JsonFields((Map<String, Object>) e.getValue(), src);
            String field = "tensor " + name;
            String dtype = t.getString("dtype");
            Integer esize = DTYPE_BYTES.get(dtype);
            if (esize == null) throw new FormatException(src, field + " dtype", "a safetensors dtype (F32, F16, BF16, ...), found \"" + dtype + "\"");
            List<Object> shapeL = t.getList("shape");
            long[] shape = new long[shapeL.size()];
            long n = 1;
            for (int k = 0; k < shape.length; k++) {
                if (!(shapeL.get(k) instanceof BigDecimal d) || d.signum() < 0 || d.scale() > 0) {
                    throw new FormatException(src, field + " shape", "non-negative integers, found " + shapeL);
                }
                shape[k] = d.longValueExact();
                n = Math.multiplyExact(n, shape[k]);
            }
            List<Object> off = t.getList("data_offsets");
            if (off.size() != 2 || !(off.get(0) instanceof BigDecimal b0) || !(off.get(1) instanceof BigDecimal b1)) {
                throw new FormatException(src, field + " data_offsets", "[begin, end]");
            }
            long begin = b0.longValueExact(), end = b1.longValueExact();
            if (begin < 0 || end < begin || end > dataLen) {
                throw new FormatException(src, field + " data_offsets",
                        "a range inside the " + dataLen + "-byte data section, found [" + begin + ", " + end + "] (file truncated?)");
            }
            if (end - begin != n * esize) {
                throw new FormatException(src, field + " data_offsets",
                        (n * esize) + " bytes for " + dtype + " shape " + java.util.Arrays.toString(shape) + ", found " + (end - begin));
            }
            entries.put(name, new Entry(name, dtype, shape, begin, end));
            ranges.add(new long[]{begin, end, entries.size() - 1});
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int k = 1; k < ranges.size(); k++) {
            if (ranges.get(k)[0] < ranges.get(k - 1)[1]) {
                throw new FormatException(src, "data_offsets", "non-overlapping tensor ranges; two tensors share bytes at " + ranges.get(k)[0]);
            }
        }
        return new Safetensors(f, Collections.unmodifiableMap(entries), meta, dataStart);
    }

    public String source() { return file.path().toString(); }

    public java.nio.file.Path path() { return file.path(); }

    public Map<String, Entry> entries() { return entries; }

    public Map<String, String> metadata() { return metadata; }

    public boolean has(String name) { return entries.containsKey(name); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new FormatException(source(), "tensor " + name, "this tensor to be present");
        return e;
    }

    /** The raw bytes of a tensor, as stored. */
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return file.segment().asSlice(dataStart + e.begin(), e.end() - e.begin());
    }

    /** A tensor in its stored precision (F32, F16, BF16 or I32), mapped, not copied. */
    public Tensor tensor(String name) {
        Entry e = entry(name);
        DType t = DType.fromSafetensors(e.dtypeName());
        if (t == null) {
            throw new FormatException(source(), "tensor " + name + " dtype", "F32, F16, BF16 or I32, found " + e.dtypeName());
        }
        return Tensor.of(t, bytes(name), e.elements());
    }

    @Override
    public void close() {
        file.close();
    }
}
