package ai.magicode.appliance.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonLineIsOneParseableObjectWithEscapedText() throws Exception {
        LogRecord record =
                new LogRecord(Level.WARNING, "quote \" backslash \\ newline \n tab \t bell \u0007 sep \u2028 end");
        record.setLoggerName("ai.magicode.Test");
        String line = new Logging.Json().format(record);
        assertEquals(1, line.lines().count(), line);
        JsonNode node = JSON.readTree(line);
        assertEquals("WARN", node.path("level").asText());
        assertEquals("ai.magicode.Test", node.path("logger").asText());
        assertEquals(record.getMessage(), node.path("message").asText());
        assertFalse(node.has("requestId"));
    }

    @Test
    void jsonLineCarriesStackTraceOfError() throws Exception {
        LogRecord record = new LogRecord(Level.SEVERE, "failed");
        record.setThrown(new IllegalStateException("boom"));
        JsonNode node = JSON.readTree(new Logging.Json().format(record));
        assertEquals("ERROR", node.path("level").asText());
        assertTrue(node.path("error").asText().startsWith("java.lang.IllegalStateException: boom"));
    }

    @Test
    void messageParametersAreFormatted() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "opened {0} in {1} ms");
        record.setParameters(new Object[] {"store", 12});
        assertEquals(
                "opened store in 12 ms",
                JSON.readTree(new Logging.Json().format(record)).path("message").asText());
    }

    @Test
    void textLineNamesLevelAndLogger() {
        LogRecord record = new LogRecord(Level.FINE, "detail");
        record.setLoggerName("x.Y");
        String line = new Logging.Text().format(record);
        assertTrue(line.contains("DEBUG x.Y - detail"), line);
    }

    @Test
    void levelsMapBothWays() {
        for (var level : ai.magicode.appliance.config.ApplianceConfig.LogConfig.Level.values()) {
            assertEquals(level.name(), Logging.levelName(Logging.julLevel(level)));
        }
    }
}
