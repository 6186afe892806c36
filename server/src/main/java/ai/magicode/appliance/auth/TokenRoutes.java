package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code /api/v1/tokens}: API tokens, scoped by the caller's tenant. Anyone may hold personal tokens;
 * admins also see and revoke every token of their tenant and create service tokens. Scopes are a subset
 * of the creator's roles; tokens cannot create tokens.
 */
final class TokenRoutes implements HttpService {
    static final long MAX_DAYS = 366;
    private static final long DEFAULT_DAYS = 90;

    private final ApiTokens tokens;
    private final Consumer<AuditEvent> audit;

    TokenRoutes(ApiTokens tokens, Consumer<AuditEvent> audit) {
        this.tokens = tokens;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/tokens", Access.authenticated(this::list))
                .post("/tokens", Access.authenticated(this::create))
                .delete("/tokens/{id}", Access.authenticated(this::revoke));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        res.send(Map.of(
                "tokens",
                tokens.list(caller.tenant()).stream()
                        .filter(token -> visible(caller, token))
                        .map(TokenRoutes::describe)
                        .toList()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        if (caller.kind() == Caller.Kind.API_TOKEN) {
            throw new ApiException(403, "Forbidden", "API tokens cannot create API tokens.");
        }
        JsonBody body = JsonBody.of(req);
        String name = body.string("name");
        if (name.length() > 100) {
            throw ApiException.badRequest("A token name has at most 100 characters.");
        }
        ApiTokens.Kind kind = switch (body.optionalString("kind").orElse("personal")) {
            case "personal" -> ApiTokens.Kind.PERSONAL;
            case "service" -> ApiTokens.Kind.SERVICE;
            default -> throw ApiException.badRequest("The field kind is personal or service.");
        };
        if (kind == ApiTokens.Kind.SERVICE && !caller.has(Role.ADMIN)) {
            throw new ApiException(403, "Forbidden", "Only an admin creates service tokens.");
        }
        Set<Role> scopes = EnumSet.noneOf(Role.class);
        try {
            body.strings("scopes")
                    .orElseGet(
                            () -> caller.roles().stream().map(RoleNames::name).toList())
                    .forEach(scope -> scopes.add(RoleNames.role(scope)));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Scopes are roles: superadmin, admin, operator, auditor, member.");
        }
        if (scopes.isEmpty() || !grantable(caller).containsAll(scopes)) {
            throw new ApiException(403, "Forbidden", "A token's scopes must be among the roles you can grant.");
        }
        long days = body.integer("expiresInDays").orElse(DEFAULT_DAYS);
        if (days < 1 || days > MAX_DAYS) {
            throw ApiException.badRequest("expiresInDays is from 1 to " + MAX_DAYS + ".");
        }
        ApiTokens.Created created =
                tokens.create(caller.tenant(), kind, caller.subject(), name, scopes, Duration.ofDays(days));
        audit.accept(AuditEvent.of("auth.token.create", created.token().id())
                .tenant(caller.tenant())
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .field("kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                .field("scopes", created.token().scopeNames())
                .field("expiresAt", created.token().expiresAt())
                .success());
        Map<String, Object> answer = describe(created.token());
        answer.put("token", created.secret());
        res.status(Status.CREATED_201).send(answer);
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String id = req.path().pathParameters().get("id");
        // Another tenant's token is answered like a missing one: ids do not leak across tenants.
        ApiTokens.ApiToken token = tokens.find(id)
                .filter(found -> found.tenant().equals(caller.tenant()) && visible(caller, found))
                .orElseThrow(() -> ApiException.notFound("There is no such token."));
        tokens.revoke(token.id());
        audit.accept(AuditEvent.of("auth.token.revoke", token.id())
                .tenant(caller.tenant())
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .success());
        res.status(Status.NO_CONTENT_204).send();
    }

    /** A caller's own roles; an admin (everything in a tenant) may also grant the lesser tenant roles. */
    static Set<Role> grantable(Caller caller) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        roles.addAll(caller.roles());
        if (caller.has(Role.ADMIN)) {
            roles.addAll(EnumSet.of(Role.OPERATOR, Role.AUDITOR, Role.MEMBER));
        }
        return roles;
    }

    private static boolean visible(Caller caller, ApiTokens.ApiToken token) {
        return caller.has(Role.ADMIN) || token.owner().equals(caller.subject());
    }

    static Map<String, Object> describe(ApiTokens.ApiToken token) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", token.id());
        answer.put("name", token.name());
        answer.put("kind", token.kind().name().toLowerCase(java.util.Locale.ROOT));
        answer.put("owner", token.owner());
        answer.put(
                "scopes",
                token.scopeNames().isEmpty()
                        ? List.of()
                        : List.of(token.scopeNames().split(",")));
        answer.put("createdAt", token.createdAt().toString());
        answer.put("expiresAt", token.expiresAt().toString());
        answer.put(
                "lastUsedAt",
                token.lastUsedAt() == null ? null : token.lastUsedAt().toString());
        answer.put(
                "revokedAt",
                token.revokedAt() == null ? null : token.revokedAt().toString());
        return answer;
    }
}
