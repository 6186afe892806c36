package ai.magicode.appliance.web;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.EnumSet;
import java.util.Set;

/**
 * The access rule every API route declares, wrapped around its handler: {@code rules.get("/secrets",
 * Access.roles(Set.of(Role.ADMIN), this::list))}. No caller gives 401, a caller without one of the roles
 * 403, both as problem documents. A test fails the build for any {@code /api/v1} route that is not
 * wrapped, so no route is open by accident.
 */
public final class Access implements Handler {
    private final Set<Role> allowed;
    private final boolean open;
    private final Handler handler;

    private Access(Set<Role> allowed, boolean open, Handler handler) {
        this.allowed = allowed.isEmpty() ? Set.of() : EnumSet.copyOf(allowed);
        this.open = open;
        this.handler = handler;
    }

    /** Callers holding any of {@code roles} may call {@code handler}. */
    public static Access roles(Set<Role> roles, Handler handler) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a protected route needs at least one role");
        }
        return new Access(roles, false, handler);
    }

    /** Any authenticated caller may call {@code handler}; it scopes by the caller's tenant itself. */
    public static Access authenticated(Handler handler) {
        return new Access(EnumSet.allOf(Role.class), false, handler);
    }

    /** Anyone, authenticated or not (version, setup, login). */
    public static Access open(Handler handler) {
        return new Access(Set.of(), true, handler);
    }

    /** The roles allowed, empty for open routes; for the route-coverage tests and the docs. */
    public Set<Role> allowed() {
        return allowed;
    }

    public boolean isOpen() {
        return open;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) throws Exception {
        if (!open) {
            Caller caller = Caller.of(req)
                    .orElseThrow(() -> new ApiException(401, "Unauthorized", "Authentication is required."));
            if (allowed.stream().noneMatch(caller::has)) {
                throw new ApiException(403, "Forbidden", "Your role does not allow this.");
            }
        }
        handler.handle(req, res);
    }
}
