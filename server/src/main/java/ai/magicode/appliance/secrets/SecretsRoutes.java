package ai.magicode.appliance.secrets;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code /api/v1/secrets}: list, create or replace, delete and prune the caller's tenant's secrets. Values are
 * write-only: no answer, problem or log line ever carries one. Admins only.
 */
public final class SecretsRoutes implements HttpService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Role> ADMINS = Set.of(Role.ADMIN);
    /** A JSON body escapes at most 6 characters per value byte; anything longer cannot hold an acceptable value. */
    private static final int MAX_BODY_BYTES = 6 * Vault.MAX_VALUE_BYTES + 1024;

    private final Vault vault;

    public SecretsRoutes(Vault vault) {
        this.vault = vault;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/secrets", Access.roles(ADMINS, this::list))
                .put("/secrets/{name}", Access.roles(ADMINS, this::put))
                .delete("/secrets/{name}", Access.roles(ADMINS, this::delete))
                .post("/secrets/{name}/prune", Access.roles(ADMINS, this::prune));
    }

    private void list(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> secrets = vault.list(caller(req).tenant()).stream()
                .map(SecretsRoutes::json)
                .toList();
        res.send(Map.of("secrets", secrets));
    }

    private void put(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String name = name(req);
        byte[] value = value(req);
        try {
            SecretInfo info = vault.put(caller.tenant(), name, value, Actor.of(caller), RequestIds.of(req));
            res.status(info.version() == 1 ? Status.CREATED_201 : Status.OK_200);
            res.send(json(info));
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String name = name(req);
        if (!vault.delete(caller.tenant(), name, Actor.of(caller), RequestIds.of(req))) {
            throw notFound(name);
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private void prune(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String name = name(req);
        OptionalInt removed = vault.prune(caller.tenant(), name, Actor.of(caller), RequestIds.of(req));
        if (removed.isEmpty()) {
            throw notFound(name);
        }
        Map<String, Object> body = json(vault.info(caller.tenant(), name).orElseThrow(() -> notFound(name)));
        body.put("removedVersions", removed.getAsInt());
        res.send(body);
    }

    private static Caller caller(ServerRequest req) {
        return Caller.of(req).orElseThrow(() -> new ApiException(401, "Unauthorized", "Authentication is required."));
    }

    private static String name(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        if (!Vault.NAME.matcher(name).matches()) {
            throw ApiException.badRequest("A secret name is 1 to 100 characters: lower-case letters, digits, '.', '_'"
                    + " and '-', starting with a letter or digit.");
        }
        return name;
    }

    /** The value's UTF-8 bytes from {@code {"value": "…"}}; no refusal quotes the body. */
    private static byte[] value(ServerRequest req) {
        if (!req.content().hasEntity()) {
            throw ApiException.badRequest("The body must be a JSON object {\"value\": \"…\"}.");
        }
        byte[] body = req.content().as(byte[].class);
        try {
            if (body.length > MAX_BODY_BYTES) {
                throw tooLarge();
            }
            JsonNode value;
            try {
                value = JSON.readTree(body).path("value");
            } catch (java.io.IOException e) {
                throw ApiException.badRequest("The body must be a JSON object {\"value\": \"…\"}.");
            }
            if (!value.isTextual() || value.textValue().isEmpty()) {
                throw ApiException.badRequest(
                        "The body must be a JSON object {\"value\": \"…\"} with a non-empty" + " string value.");
            }
            byte[] bytes = value.textValue().getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Vault.MAX_VALUE_BYTES) {
                Arrays.fill(bytes, (byte) 0);
                throw tooLarge();
            }
            return bytes;
        } finally {
            Arrays.fill(body, (byte) 0);
        }
    }

    private static ApiException tooLarge() {
        return ApiException.badRequest("A secret value has at most " + Vault.MAX_VALUE_BYTES + " bytes (UTF-8).");
    }

    private static ApiException notFound(String name) {
        return ApiException.notFound("There is no secret " + name + " in your tenant.");
    }

    private static Map<String, Object> json(SecretInfo info) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", info.name());
        json.put("version", info.version());
        json.put("versions", info.versions());
        json.put("created", info.created().toString());
        info.rotated().ifPresent(rotated -> json.put("rotated", rotated.toString()));
        json.put("fingerprint", info.fingerprint());
        return json;
    }
}
