package ai.magicode.appliance.audit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One action to audit, as a feature reports it: the log adds time, sequence number and hash chain.
 * Fields are metadata only; never a secret value, a token or source code.
 *
 * @param tenant the tenant the action belongs to ({@code -} for platform-level actions)
 * @param actor who acted
 * @param action what was done, as {@code feature.verb}, e.g. {@code secret.create}, {@code github.pr.create}
 * @param target what it was done to, e.g. a secret name or {@code owner/repo#12}
 * @param outcome how it ended
 * @param requestId the HTTP request id, or {@code -}
 * @param fields action-specific metadata
 */
public record AuditEvent(
        String tenant,
        Actor actor,
        String action,
        String target,
        Outcome outcome,
        String requestId,
        Map<String, String> fields) {
    /** The tenant of platform-level actions. */
    public static final String PLATFORM = "-";

    public AuditEvent {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(requestId, "requestId");
        fields = Map.copyOf(fields);
    }

    /** Starts an event for {@code action} on {@code target}; the easy path for features. */
    public static Builder of(String action, String target) {
        return new Builder(action, target);
    }

    /** Fluent construction with defaults: platform tenant, system actor, no request id. */
    public static final class Builder {
        private final String action;
        private final String target;
        private String tenant = PLATFORM;
        private Actor actor = Actor.system();
        private String requestId = "-";
        private final Map<String, String> fields = new LinkedHashMap<>();

        private Builder(String action, String target) {
            this.action = action;
            this.target = target;
        }

        public Builder tenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        public Builder actor(Actor actor) {
            this.actor = actor;
            return this;
        }

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public Builder field(String name, Object value) {
            fields.put(name, String.valueOf(value));
            return this;
        }

        public AuditEvent success() {
            return outcome(Outcome.SUCCESS);
        }

        public AuditEvent failure() {
            return outcome(Outcome.FAILURE);
        }

        public AuditEvent denied() {
            return outcome(Outcome.DENIED);
        }

        public AuditEvent outcome(Outcome outcome) {
            return new AuditEvent(tenant, actor, action, target, outcome, requestId, fields);
        }
    }
}
