package ai.magicode.appliance.web;

import io.helidon.webserver.http.ServerRequest;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The authenticated caller of a request, put in the request context by the authentication filter:
 * whom to attribute the action to, which tenant scopes it, and which roles it holds there.
 *
 * @param tenant the tenant every read and write of this request is scoped to
 * @param subject a stable id of the user or token (never the token itself)
 * @param kind how the caller authenticated
 * @param roles the caller's roles in {@code tenant}
 */
public record Caller(String tenant, String subject, Kind kind, Set<Role> roles) {
    /** How a caller authenticated. */
    public enum Kind {
        USER,
        API_TOKEN
    }

    public Caller {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(kind, "kind");
        roles = Set.copyOf(roles);
    }

    /** Whether the caller holds {@code role}. */
    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** The caller of {@code req}, if the authentication filter recognised one. */
    public static Optional<Caller> of(ServerRequest req) {
        return req.context().get(Caller.class, Caller.class);
    }

    /** Makes {@code this} the caller of {@code req}; for the authentication filter. */
    public void attachTo(ServerRequest req) {
        req.context().register(Caller.class, this);
    }
}
