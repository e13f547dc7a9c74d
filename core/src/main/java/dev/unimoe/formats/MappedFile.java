package dev.unimoe.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A read-only memory map of a whole file; weights are read in place, never copied at load. */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    public static MappedFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new FormatException(path.toString(), Files.exists(path) ? "is not a regular file" : "file not found");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FormatException(path.toString(), "file not found");
        } catch (IOException e) {
            arena.close();
            throw new FormatException(path.toString(), "cannot be read: " + e.getMessage());
        }
    }

    public Path path() { return path; }

    public MemorySegment segment() { return segment; }

    public long size() { return segment.byteSize(); }

    @Override
    public void close() {
        arena.close();
    }
}
