package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TicketSignaturesTest {
    private static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    /** The WebSub/GitHub test vector: Jira's X-Hub-Signature has the same form. */
    private static final String VECTOR = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsAsTheTrackersDo() {
        assertEquals("sha256=" + VECTOR, TicketSignatures.jira(SECRET, BODY));
        assertEquals(VECTOR, TicketSignatures.linear(SECRET, BODY));
    }

    @Test
    void acceptsOnlyTheSignatureOfTheBodyUnderTheSecret() {
        assertTrue(TicketSignatures.verifyJira(SECRET, BODY, "sha256=" + VECTOR));
        assertTrue(TicketSignatures.verifyLinear(SECRET, BODY, VECTOR));
        assertFalse(TicketSignatures.verifyJira(SECRET, BODY, VECTOR), "Jira's needs its sha256= prefix");
        assertFalse(TicketSignatures.verifyLinear(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8), VECTOR));
        assertFalse(TicketSignatures.verifyLinear("other".getBytes(StandardCharsets.UTF_8), BODY, VECTOR));
        assertFalse(TicketSignatures.verifyLinear(SECRET, BODY, VECTOR.substring(2)));
        assertFalse(TicketSignatures.verifyLinear(SECRET, BODY, "zz" + VECTOR.substring(2)));
        assertFalse(TicketSignatures.verifyJira(SECRET, BODY, null));
    }

    @Test
    void refusesLinearTimestampsOutsideTheTolerance() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertTrue(TicketSignatures.fresh(now.toEpochMilli() - 59_000, now, Duration.ofMinutes(1)));
        assertTrue(TicketSignatures.fresh(now.toEpochMilli() + 30_000, now, Duration.ofMinutes(1)));
        assertFalse(TicketSignatures.fresh(now.toEpochMilli() - 61_000, now, Duration.ofMinutes(1)));
        assertFalse(TicketSignatures.fresh(0, now, Duration.ofMinutes(1)));
    }
}
