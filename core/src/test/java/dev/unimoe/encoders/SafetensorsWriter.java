package dev.unimoe.encoders;

import dev.unimoe.formats.Json;
import dev.unimoe.formats.Safetensors;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Test helper: rewrites a safetensors file with renamed tensors (e.g. transformers 5 names). */
final class SafetensorsWriter {
    private SafetensorsWriter() {}

    static void copyRenamed(Safetensors in, Path out, UnaryOperator<String> rename) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Safetensors.Entry e : in.entries().values()) {
            long size = e.end() - e.begin();
            List<Long> shape = java.util.Arrays.stream(e.shape()).boxed().toList();
            header.put(rename.apply(e.name()), Map.of("dtype", e.dtypeName(), "shape", shape, "data_offsets", List.of(offset, offset + size)));
            offset += size;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        try (OutputStream os = Files.newOutputStream(out)) {
            os.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            os.write(json);
            for (Safetensors.Entry e : in.entries().values()) os.write(in.bytes(e.name()).toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
