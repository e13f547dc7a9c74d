package dev.unimoe.cli;

import dev.unimoe.Fixtures;
import dev.unimoe.formats.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.unimoe.cli.CliTest.ints;
import static dev.unimoe.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code unimoe run} as a user runs it: the image+audio case of the Uni-MoE reference, its JSON and its routing file. */
class RunCommandTest {
    @TempDir Path dir;

    @SuppressWarnings("unchecked")
    @Test
    void imageAndAudioWithRoutingFile() throws Exception {
        Path routing = dir.resolve("routing.json");
        CliTest.Run r = run("run", "--model", Fixtures.path("unimoe-tiny").toString(), "--tokenizer", Fixtures.path("tokenizer-llama").toString(),
                "--image", Fixtures.path("clip-vision", "images", "coffee_256x171.jpg").toString(),
                "--audio", Fixtures.path("whisper-audio", "audio", "jfk.wav").toString(),
                "--prompt", "Describe the picture and summarize the speech.", "--max-tokens", "12", "--temperature", "0",
                "--routing", routing.toString(), "--json", "--quiet");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertEquals(List.of(16461, 23931, 17462, 7943, 8211, 23771, 2991, 22950, 17355, 26393, 23056, 28797), ints(j.get("generated_ids")));
        List<Integer> ids = ints(j.get("prompt_ids"));
        assertTrue(ids.contains(-200) && ids.contains(-300), "placeholders kept in prompt_ids");
        List<Object> media = (List<Object>) j.get("media");
        assertEquals(49, ((BigDecimal) ((Map<String, Object>) media.get(0)).get("rows")).intValue());
        assertEquals(8, ((BigDecimal) ((Map<String, Object>) media.get(1)).get("rows")).intValue());
        assertEquals(108, ((BigDecimal) j.get("spliced_length")).intValue());
        Map<String, Object> stages = (Map<String, Object>) j.get("stage_seconds");
        for (String s : new String[]{"decode_media", "features", "encoder", "projector", "prefill", "decode"}) assertTrue(stages.containsKey(s), s);

        Map<String, Object> rt = Json.parseObject(Files.readString(routing), routing.toString());
        List<Object> positions = (List<Object>) rt.get("positions");
        assertEquals(108 + 12 - 1, positions.size(), "prompt rows and every decoded position (the last token is never fed back)");
        assertEquals("image", ((Map<String, Object>) positions.get(34)).get("modality"));
        assertEquals("audio", ((Map<String, Object>) positions.get(85)).get("modality"));
        assertEquals("text", ((Map<String, Object>) positions.get(0)).get("modality"));
        List<Object> layers = (List<Object>) rt.get("routing");
        assertEquals(2, layers.size());
        List<Object> experts = (List<Object>) ((Map<String, Object>) layers.get(0)).get("experts");
        assertEquals(positions.size(), experts.size());
        assertEquals(2, ((List<Object>) experts.get(0)).size());
    }

    @Test
    void badMediaAndTowersFailClearly() throws Exception {
        String model = Fixtures.path("unimoe-tiny").toString(), tok = Fixtures.path("tokenizer-llama").toString();
        CliTest.Run missing = run("run", "--model", model, "--tokenizer", tok, "--image", dir.resolve("nope.png").toString(), "--prompt", "x");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.png"), missing.err());
        Path notImage = dir.resolve("fake.png");
        Files.writeString(notImage, "this is not a picture");
        CliTest.Run bad = run("run", "--model", model, "--tokenizer", tok, "--image", notImage.toString(), "--prompt", "x", "--quiet");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("fake.png"), bad.err());
        CliTest.Run mismatch = run("run", "--model", model, "--tokenizer", tok, "--template", "none", "--prompt", "<audio> what?",
                "--image", Fixtures.path("clip-vision", "images", "camera_gray_200x150.png").toString(), "--quiet");
        assertTrue(mismatch.err().contains("placeholder"), mismatch.err());
        Path emptyFrames = Files.createDirectory(dir.resolve("frames"));
        CliTest.Run noFrames = run("run", "--model", model, "--tokenizer", tok, "--video", emptyFrames.toString(), "--prompt", "x", "--quiet");
        assertEquals(1, noFrames.status());
        assertTrue(noFrames.err().contains("frames"), noFrames.err());
        // a checkpoint whose tower folder is missing
        Path ck = Files.createDirectory(dir.resolve("ck"));
        Files.createSymbolicLink(ck.resolve("model.safetensors"), Fixtures.path("unimoe-tiny", "model.safetensors").toAbsolutePath());
        Files.writeString(ck.resolve("config.json"), Files.readString(Fixtures.path("unimoe-tiny", "config.json")));
        CliTest.Run noTower = run("run", "--model", ck.toString(), "--tokenizer", tok,
                "--image", Fixtures.path("clip-vision", "images", "camera_gray_200x150.png").toString(), "--prompt", "x", "--quiet");
        assertEquals(1, noTower.status());
        assertTrue(noTower.err().contains("mm_vision_tower") && noTower.err().contains("does not exist"), noTower.err());
        Path silent = dir.resolve("empty.wav");
        Files.write(silent, emptyWav());
        CliTest.Run noAudio = run("run", "--model", model, "--tokenizer", tok, "--audio", silent.toString(), "--prompt", "x", "--quiet");
        assertEquals(1, noAudio.status());
        assertTrue(noAudio.err().contains("empty.wav"), noAudio.err());
        CliTest.Run tooLong = run("run", "--model", model, "--tokenizer", tok, "--audio", Fixtures.path("whisper-audio", "audio", "jfk.wav").toString(),
                "--max-audio-seconds", "5", "--prompt", "x", "--quiet");
        assertEquals(1, tooLong.status());
        assertTrue(tooLong.err().contains("jfk.wav"), tooLong.err());
    }

    /** A valid 16 kHz mono 16-bit WAV header with no samples. */
    static byte[] emptyWav() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(16000).putInt(32000).putShort((short) 2).putShort((short) 16).put("data".getBytes()).putInt(0);
        return b.array();
    }
}
