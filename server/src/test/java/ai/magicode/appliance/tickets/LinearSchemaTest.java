package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import graphql.ExecutionInput;
import graphql.ParseAndValidate;
import graphql.ParseAndValidateResult;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every GraphQL document the appliance sends to Linear is valid against Linear's schema (the subset in
 * {@code src/test/resources/contracts/linear}): fields, arguments, input fields and variable types.
 */
class LinearSchemaTest {
    private static final GraphQLSchema SCHEMA = load();

    @Test
    void everyDocumentTheApplianceSendsIsValidAgainstLinearsSchema() {
        assertEquals(5, LinearTracker.DOCUMENTS.size());
        for (String document : LinearTracker.DOCUMENTS) {
            ParseAndValidateResult result = ParseAndValidate.parseAndValidate(
                    SCHEMA, ExecutionInput.newExecutionInput(document).build());
            assertEquals(List.of(), result.getErrors(), document);
        }
    }

    @Test
    void theSchemaRefusesAFieldLinearDoesNotHave() {
        ParseAndValidateResult result = ParseAndValidate.parseAndValidate(
                SCHEMA,
                ExecutionInput.newExecutionInput("query Issue($id: String!) { issue(id: $id) { id assigneeEmail } }")
                        .build());
        assertFalse(result.getErrors().isEmpty(), "the check can fail");
    }

    private static GraphQLSchema load() {
        try (InputStream in = LinearSchemaTest.class.getResourceAsStream("/contracts/linear/linear-subset.graphql")) {
            String sdl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return UnExecutableSchemaGenerator.makeUnExecutableSchema(new SchemaParser().parse(sdl));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
