package dev.unimoe.formats;

import dev.unimoe.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged or lying safetensors files fail with a message naming the file, the field and the expectation. */
class SafetensorsBadInputTest {
    @TempDir Path dir;

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    FormatException fails(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @Test
    void readsAValidFile() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        byte[] b = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(b.length - 8, 1.5f).putFloat(b.length - 4, -2f);
        Files.write(p, b);
        try (Safetensors st = Safetensors.open(p)) {
            assertEquals("[1.5, -2.0]", Arrays.toString(st.tensor("a").toFloatArray()));
        }
    }

    @Test
    void truncatedBeforeHeader() throws IOException {
        assertTrue(fails(new byte[5]).getMessage().contains("header length"));
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] b = file("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        assertTrue(fails(b).getMessage().contains("header length"));
    }

    @Test
    void truncatedData() throws IOException {
        FormatException e = fails(file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4,4],\"data_offsets\":[0,32]}}", 10));
        assertTrue(e.getMessage().contains("tensor w data_offsets") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void sizeDisagreesWithShape() throws IOException {
        FormatException e = fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,32]}}", 32));
        assertTrue(e.getMessage().contains("36 bytes"), e.getMessage());
    }

    @Test
    void unknownDtype() throws IOException {
        FormatException e = fails(file("{\"w\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertTrue(e.getMessage().contains("dtype") && e.getMessage().contains("F7"), e.getMessage());
    }

    @Test
    void overlappingTensors() throws IOException {
        FormatException e = fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertTrue(e.getMessage().contains("overlapping"), e.getMessage());
    }

    @Test
    void brokenJsonHeader() throws IOException {
        FormatException e = fails(file("{\"a\": [1, 2", 0));
        assertTrue(e.getMessage().contains("JSON at line 1"), e.getMessage());
    }

    @Test
    void realCheckpointOpens() {
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(Fixtures.path("moe-mixtral"))) {
            assertEquals(41, ck.names().size());
        }
    }

    @Test
    void shardedCheckpointResolvesEveryTensor() throws IOException {
        // split the fixture into two shards + index, as large hub checkpoints are stored
        Path src = Fixtures.path("moe-qwen2");
        try (Safetensors st = Safetensors.open(src.resolve("model.safetensors"))) {
            var names = st.entries().keySet().stream().toList();
            var first = names.subList(0, names.size() / 2);
            var second = names.subList(names.size() / 2, names.size());
            writeShard(st, first, dir.resolve("model-00001-of-00002.safetensors"));
            writeShard(st, second, dir.resolve("model-00002-of-00002.safetensors"));
            StringBuilder idx = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            for (int i = 0; i < names.size(); i++) {
                idx.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append("\": \"model-0000").append(i < first.size() ? 1 : 2).append("-of-00002.safetensors\"");
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"), idx.append("}}").toString());
            try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
                assertEquals(names.size(), ck.names().size());
                for (String n : names) {
                    assertTrue(Arrays.equals(st.tensor(n).toFloatArray(), ck.tensor(n).toFloatArray()), n);
                }
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"x\": \"missing.safetensors\"}}");
            FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(dir));
            assertTrue(e.getMessage().contains("missing.safetensors"), e.getMessage());
        }
    }

    static void writeShard(Safetensors st, java.util.List<String> names, Path out) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (String n : names) {
            var e = st.entry(n);
            long len = e.end() - e.begin();
            h.append(h.length() > 1 ? "," : "").append('"').append(n).append("\":{\"dtype\":\"").append(e.dtypeName())
                    .append("\",\"shape\":").append(Arrays.toString(e.shape())).append(",\"data_offsets\":[").append(off).append(',').append(off + len).append("]}");
            off += len;
        }
        byte[] hb = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + hb.length + off)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        for (String n : names) b.put(st.bytes(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        Files.write(out, b.array());
    }
}
