package dev.unimoe.cli;

import java.io.PrintStream;
import java.util.function.DoubleConsumer;

/** A one-line progress bar on stderr, redrawn only when the shown percentage changes. */
public final class Progress implements DoubleConsumer {
    private final PrintStream err;
    private final String label;
    private final boolean enabled;
    private int shown = -1;

    public Progress(String label, boolean enabled) {
        this.err = System.err;
        this.label = label;
        this.enabled = enabled;
    }

    @Override
    public void accept(double fraction) {
        if (!enabled) return;
        int pct = (int) Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
        if (pct == shown) return;
        shown = pct;
        int width = 30, fill = pct * width / 100;
        err.print("\r" + label + " [" + "#".repeat(fill) + " ".repeat(width - fill) + "] " + pct + "%");
        if (pct == 100) err.println();
        err.flush();
    }
}
