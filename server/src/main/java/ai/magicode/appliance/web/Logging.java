package ai.magicode.appliance.web;

import ai.magicode.appliance.config.ApplianceConfig.LogConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Process-wide log setup: one line per record on standard output, as JSON (for collectors) or text,
 * stamped with the id of the request being handled. The log manager outlives the JVM's own shutdown
 * reset so that graceful-shutdown messages still reach the log.
 */
public final class Logging {
    private Logging() {}

    /**
     * Must run before anything touches {@code java.util.logging}: installs the log manager that keeps
     * logging during shutdown.
     */
    public static void prepare() {
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
    }

    /** Replaces the root handlers with one writing the configured format at the configured level. */
    public static void configure(LogConfig config) {
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler =
                new StreamHandler(System.out, config.format() == LogConfig.Format.JSON ? new Json() : new Text()) {
                    @Override
                    public synchronized void publish(LogRecord record) {
                        super.publish(record);
                        flush();
                    }

                    @Override
                    public synchronized void close() {
                        flush(); // never close standard output
                    }
                };
        Level level = julLevel(config.level());
        handler.setLevel(level);
        root.setLevel(level);
        root.addHandler(handler);
    }

    /** Flushes and closes the handlers; the last step of a shutdown. */
    public static void shutdown() {
        if (LogManager.getLogManager() instanceof ShutdownSafeLogManager manager) {
            manager.finalReset();
        }
    }

    static Level julLevel(LogConfig.Level level) {
        return switch (level) {
            case ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
            case TRACE -> Level.FINEST;
        };
    }

    static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        } else if (value >= Level.WARNING.intValue()) {
            return "WARN";
        } else if (value >= Level.INFO.intValue()) {
            return "INFO";
        } else if (value >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /** One JSON object per line; written by hand so that logging does not load a JSON library at startup. */
    static final class Json extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(256).append('{');
            field(line, "time", Instant.ofEpochMilli(record.getMillis()).toString())
                    .append(',');
            field(line, "level", levelName(record.getLevel())).append(',');
            field(line, "logger", String.valueOf(record.getLoggerName())).append(',');
            field(line, "message", String.valueOf(formatMessage(record)));
            RequestIds.current().ifPresent(id -> field(line.append(','), "requestId", id));
            field(line.append(','), "thread", Thread.currentThread().getName());
            if (record.getThrown() != null) {
                field(line.append(','), "error", stackTrace(record.getThrown()));
            }
            return line.append('}').append(System.lineSeparator()).toString();
        }

        private static StringBuilder field(StringBuilder line, String name, String value) {
            return JsonStrings.quote(JsonStrings.quote(line, name).append(':'), value);
        }
    }

    /** Human-readable lines for a terminal. */
    static final class Text extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(Instant.ofEpochMilli(record.getMillis()))
                    .append(' ')
                    .append(String.format("%-5s", levelName(record.getLevel())))
                    .append(' ')
                    .append(record.getLoggerName())
                    .append(" - ")
                    .append(formatMessage(record));
            RequestIds.current()
                    .ifPresent(id -> line.append(" [request ").append(id).append(']'));
            line.append(System.lineSeparator());
            if (record.getThrown() != null) {
                line.append(stackTrace(record.getThrown()));
            }
            return line.toString();
        }
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Ignores the JVM's reset at shutdown; {@link #finalReset()} closes the handlers when we are done. */
    public static final class ShutdownSafeLogManager extends LogManager {
        private volatile boolean closing;

        @Override
        public void reset() {
            // The JVM's shutdown hook calls this while our own shutdown may still be logging.
            if (closing) {
                super.reset();
            }
        }

        void finalReset() {
            closing = true;
            super.reset();
        }
    }
}
