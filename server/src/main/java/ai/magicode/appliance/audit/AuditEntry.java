package ai.magicode.appliance.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the audit log as written: the reported {@link AuditEvent} with its sequence number, time
 * and place in the hash chain.
 *
 * @param seq position in the log, from 1, without gaps
 * @param time when the log wrote it
 * @param event what was reported
 * @param prevHash hex SHA-256 of the previous entry (64 zeros for the first)
 * @param hash hex SHA-256 of this entry's canonical serialization, {@code prevHash} included
 */
public record AuditEntry(long seq, Instant time, AuditEvent event, String prevHash, String hash) {
    public String tenant() {
        return event.tenant();
    }

    public Actor actor() {
        return event.actor();
    }

    public String action() {
        return event.action();
    }

    public String target() {
        return event.target();
    }

    public Outcome outcome() {
        return event.outcome();
    }

    public String requestId() {
        return event.requestId();
    }

    public Map<String, String> fields() {
        return event.fields();
    }

    /**
     * The entry in the format of its line in the segment file (without the newline). An entry read back from the log
     * shows its sealed values opened (or {@code [erased]}) with the hash of the line as written.
     */
    public String toJson() {
        return EntryCodec.view(this);
    }
}
