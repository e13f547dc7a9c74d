package dev.unimoe.cli;

import dev.unimoe.formats.Json;
import dev.unimoe.runtime.Backend;
import dev.unimoe.runtime.Backends;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code unimoe devices}: every backend found, whether it is usable here, and the devices {@code --device N} numbers. */
final class DevicesCommand {
    private DevicesCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args("devices", argv, 1, Set.of(), Set.of("json"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Backend b : Backends.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            String why = b.unavailableReason();
            m.put("backend", b.name());
            m.put("available", why == null);
            if (why != null) m.put("reason", why);
            m.put("devices", why == null ? b.devices() : List.of());
            rows.add(m);
        }
        if (a.flag("json")) {
            out.println(Json.write(Map.of("backends", rows)));
            return 0;
        }
        for (Map<String, Object> m : rows) {
            out.println(m.get("backend") + (m.containsKey("reason") ? ": unavailable (" + m.get("reason") + ")" : ""));
            for (Object d : (List<?>) m.get("devices")) out.println("  " + d);
        }
        if (rows.size() == 1) out.println("(no accelerator backend on the class path; for TornadoVM set TORNADOVM_HOME and pass --backend tornado)");
        return 0;
    }
}
