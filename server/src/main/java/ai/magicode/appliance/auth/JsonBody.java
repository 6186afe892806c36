package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.ApiException;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A request's JSON object body, with typed reads that answer 400 naming the field at fault. */
final class JsonBody {
    private final Map<?, ?> fields;

    private JsonBody(Map<?, ?> fields) {
        this.fields = fields;
    }

    static JsonBody of(ServerRequest req) {
        try {
            Map<?, ?> fields = req.content().as(Map.class);
            if (fields == null) {
                throw ApiException.badRequest("The body must be a JSON object.");
            }
            return new JsonBody(fields);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
    }

    String string(String name) {
        return optionalString(name).orElseThrow(() -> ApiException.badRequest("The field " + name + " is required."));
    }

    Optional<String> optionalString(String name) {
        Object value = fields.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw ApiException.badRequest("The field " + name + " must be a string.");
        }
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    Optional<Boolean> bool(String name) {
        Object value = fields.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Boolean flag)) {
            throw ApiException.badRequest("The field " + name + " must be true or false.");
        }
        return Optional.of(flag);
    }

    Optional<Long> integer(String name) {
        Object value = fields.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Number number) || number.doubleValue() != number.longValue()) {
            throw ApiException.badRequest("The field " + name + " must be an integer.");
        }
        return Optional.of(number.longValue());
    }

    Optional<List<String>> strings(String name) {
        Object value = fields.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw ApiException.badRequest("The field " + name + " must be an array of strings.");
        }
        return Optional.of(list.stream().map(String.class::cast).toList());
    }
}
