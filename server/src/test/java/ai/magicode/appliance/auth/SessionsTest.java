package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionsTest {
    private final MutableClock clock = new MutableClock();
    private final Sessions sessions = new Sessions(Duration.ofHours(8), clock);
    private final Caller caller = new Caller("acme", "ann", Caller.Kind.USER, Set.of(Role.ADMIN));

    @Test
    void sessionEndsAtItsTimeToLive() {
        String id = sessions.start(caller, Optional.empty());
        clock.advance(Duration.ofHours(8).minusSeconds(1));
        assertEquals(caller, sessions.find(id).orElseThrow().caller());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(sessions.find(id).isEmpty());
    }

    @Test
    void eachSessionHasItsOwnIdAndCsrfToken() {
        String a = sessions.start(caller, Optional.empty());
        String b = sessions.start(caller, Optional.empty());
        assertNotEquals(a, b);
        assertNotEquals(
                sessions.find(a).orElseThrow().csrf(),
                sessions.find(b).orElseThrow().csrf());
    }

    @Test
    void endedSessionIsGone() {
        String id = sessions.start(caller, Optional.of("id-token"));
        assertEquals("id-token", sessions.end(id).orElseThrow().idToken().orElseThrow());
        assertTrue(sessions.find(id).isEmpty());
    }

    @Test
    void pendingLoginIsGoodForOneCallbackWithinItsTime() {
        Sessions.Pending pending =
                new Sessions.Pending("v", "n", "b", clock.instant().plus(Sessions.PENDING_TTL));
        sessions.expect("state-1", pending);
        assertEquals(pending, sessions.takePending("state-1").orElseThrow());
        assertTrue(sessions.takePending("state-1").isEmpty());
        sessions.expect(
                "state-2", new Sessions.Pending("v", "n", "b", clock.instant().plus(Sessions.PENDING_TTL)));
        clock.advance(Sessions.PENDING_TTL);
        assertTrue(sessions.takePending("state-2").isEmpty());
    }

    @Test
    void unknownOrOversizedCookieFindsNothing() {
        assertTrue(sessions.find("nope").isEmpty());
        assertTrue(sessions.find("x".repeat(500)).isEmpty());
        assertTrue(sessions.find(null).isEmpty());
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
