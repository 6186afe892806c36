package ai.magicode.appliance.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A filter over the log: every present criterion must match. {@code action} ending in {@code *} matches
 * by prefix ({@code secret.*}).
 *
 * @param from entries at or after this time
 * @param to entries before this time
 * @param actor the actor's id
 * @param action the action, or a prefix ending in {@code *}
 * @param target the target
 * @param tenant the tenant; empty means every tenant (platform administrators only)
 * @param cursor the first sequence number to consider (paging)
 * @param limit most entries in a page
 */
record AuditQuery(
        Optional<Instant> from,
        Optional<Instant> to,
        Optional<String> actor,
        Optional<String> action,
        Optional<String> target,
        Optional<String> tenant,
        long cursor,
        int limit) {
    static AuditQuery all() {
        return new AuditQuery(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                1,
                Integer.MAX_VALUE);
    }

    boolean matches(AuditEntry entry) {
        return entry.seq() >= cursor
                && from.map(t -> !entry.time().isBefore(t)).orElse(true)
                && to.map(t -> entry.time().isBefore(t)).orElse(true)
                && actor.map(a -> a.equals(entry.actor().id())).orElse(true)
                && action.map(a -> a.endsWith("*")
                                ? entry.action().startsWith(a.substring(0, a.length() - 1))
                                : a.equals(entry.action()))
                        .orElse(true)
                && target.map(t -> t.equals(entry.target())).orElse(true)
                && tenant.map(t -> t.equals(entry.tenant())).orElse(true);
    }

    /**
     * A page of results.
     *
     * @param entries matching entries, oldest first
     * @param nextCursor the cursor of the next page, empty on the last page
     */
    record Page(List<AuditEntry> entries, Optional<Long> nextCursor) {}
}
