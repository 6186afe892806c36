package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditRelayTest {
    @TempDir
    Path dir;

    @Test
    void holdsEventsUntilALogIsAttachedThenAppendsThemFirstAndInOrder() {
        AuditRelay relay = new AuditRelay();
        relay.accept(AuditEvent.of("test.first", "a").success());
        relay.accept(AuditEvent.of("test.second", "b").success());
        assertEquals(2, relay.held());
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            relay.attach(log);
            assertEquals(0, relay.held());
            relay.accept(AuditEvent.of("test.third", "c").success());
            assertEquals(
                    List.of("test.first", "test.second", "test.third"),
                    log.query(AuditQuery.all()).entries().stream()
                            .map(AuditEntry::action)
                            .toList());
            assertThrows(IllegalStateException.class, () -> relay.attach(log));
        }
    }
}
