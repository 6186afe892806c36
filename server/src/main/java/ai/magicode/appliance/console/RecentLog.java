package ai.magicode.appliance.console;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The last lines the appliance logged, kept in memory (never written anywhere) for the support bundle, which passes
 * them through redaction before they leave. Installed on the root logger; {@link #close} removes it.
 */
public final class RecentLog extends Handler {
    private final int capacity;
    private final ArrayDeque<String> lines;
    private final SimpleFormatter formatter = new SimpleFormatter();

    private RecentLog(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(capacity);
    }

    /** Starts keeping the last {@code capacity} lines logged in this process. */
    public static RecentLog install(int capacity) {
        RecentLog log = new RecentLog(capacity);
        Logger.getLogger("").addHandler(log);
        return log;
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null) {
            return;
        }
        String message;
        try {
            message = formatter.formatMessage(record);
        } catch (RuntimeException e) {
            message = String.valueOf(record.getMessage());
        }
        String line = Instant.ofEpochMilli(record.getMillis()) + " " + record.getLevel() + " " + record.getLoggerName()
                + ": " + message
                + (record.getThrown() == null
                        ? ""
                        : " (" + record.getThrown().getClass().getName() + ")");
        synchronized (lines) {
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
    }

    /** The lines kept, oldest first. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
