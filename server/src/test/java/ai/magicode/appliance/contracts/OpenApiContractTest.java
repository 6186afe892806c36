package ai.magicode.appliance.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The shared exchange check: the described path is validated, the request's own is named, only errors count. */
class OpenApiContractTest {
    private static final String DESCRIPTION = """
            {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
             "paths": {"/v1/items/{id}": {"get": {
               "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
               "responses": {"200": {"description": "an item", "content": {"application/json": {"schema": {
                 "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}}}}}}}
            """;
    private static final Map<String, String> JSON_TYPE = Map.of("Content-Type", "application/json");

    private static OpenApiContract contract(UnaryOperator<String> describedPath) {
        return new OpenApiContract(
                OpenApiInteractionValidator.createForInlineApiSpecification(DESCRIPTION)
                        .withLevelResolver(OpenApiContract.openSchemaLevels().build())
                        .build(),
                describedPath);
    }

    @Test
    void validatesTheDescribedPathAndNamesTheRequestsOwn() {
        OpenApiContract prefixed = contract(path -> "/v1" + path);
        assertEquals(
                List.of(),
                prefixed.validate("GET", "/items/7", Map.of(), Map.of(), null, 200, JSON_TYPE, bytes("{\"id\":7}")));
        List<String> wrong =
                prefixed.validate("GET", "/items/7", Map.of(), Map.of(), null, 200, JSON_TYPE, bytes("{\"id\":\"x\"}"));
        assertEquals(1, wrong.size(), wrong.toString());
        assertTrue(wrong.getFirst().startsWith("GET /items/7 -> 200: validation.response.body"), wrong.getFirst());
        assertTrue(
                contract(path -> path)
                        .validate("GET", "/items/7", Map.of(), Map.of(), null, 200, JSON_TYPE, bytes("{\"id\":7}"))
                        .getFirst()
                        .startsWith("GET /items/7 -> 200: validation.request.path.missing"),
                "without the prefix the path is not described");
    }

    @Test
    void ignoresPropertiesTheSchemaDoesNotListAndAnEmptyBody() {
        OpenApiContract prefixed = contract(path -> "/v1" + path);
        assertEquals(
                List.of(),
                prefixed.validate(
                        "GET",
                        "/items/7",
                        Map.of(),
                        Map.of(),
                        new byte[0],
                        200,
                        JSON_TYPE,
                        bytes("{\"id\":7,\"new\":1}")));
        assertTrue(
                prefixed.validate("GET", "/items/7", Map.of(), Map.of(), null, 200, JSON_TYPE, new byte[0]).stream()
                        .anyMatch(error -> error.contains("validation.response.body.missing")),
                "an empty answer is no body");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
