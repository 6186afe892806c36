package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CheckLogTest {
    @Test
    void keepsTheErrorsWithTheirContextAndTheEndDropsTheRest() {
        String log = "2026-11-29T10:00:00.1234567Z setup\n"
                + "download\n".repeat(500)
                + "compile Z\ncompile A\ncompile B\n[ERROR] Foo.java:[3,5] cannot find symbol\ncompile C\n"
                + "test\n".repeat(300)
                + "tail line\n";
        String trimmed = CheckLog.trim(log);
        assertTrue(trimmed.contains("[ERROR] Foo.java:[3,5] cannot find symbol"), trimmed);
        assertTrue(trimmed.contains("compile A") && trimmed.contains("compile C"), "context kept: " + trimmed);
        assertTrue(trimmed.endsWith("tail line"), trimmed);
        assertFalse(trimmed.contains("download"), "the noise before the error is dropped: " + trimmed);
        assertTrue(trimmed.contains("…"), "gaps are marked");
        assertTrue(trimmed.lines().count() <= CheckLog.MAX_LINES + 3, trimmed);
    }

    @Test
    void masksSecretsAndTimestamps() {
        String trimmed = CheckLog.trim("2026-11-29T10:00:00.1234567Z token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
                + "2026-11-29T10:00:01Z FAILED\n");
        assertFalse(trimmed.contains("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), trimmed);
        assertFalse(trimmed.contains("2026-11-29T"), trimmed);
        assertTrue(trimmed.contains("FAILED"), trimmed);
    }

    @Test
    void capsTheSizeOfALogOfErrors() {
        String trimmed = CheckLog.trim(("error: " + "x".repeat(500) + "\n").repeat(1000));
        assertTrue(trimmed.length() <= CheckLog.MAX_CHARS + 1, String.valueOf(trimmed.length()));
        assertEquals('…', trimmed.charAt(0));
    }
}
