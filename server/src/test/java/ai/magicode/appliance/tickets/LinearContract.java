package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.ParseAndValidate;
import graphql.schema.Coercing;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.TypeResolver;
import graphql.schema.idl.InterfaceWiringEnvironment;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.ScalarInfo;
import graphql.schema.idl.ScalarWiringEnvironment;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnionWiringEnvironment;
import graphql.schema.idl.WiringFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Linear's GraphQL schema (the subset in {@code src/test/resources/contracts/linear}) as a check of one exchange: the
 * document is valid, the variables have the types the document declares, and the answer's {@code data} is exactly
 * what the document selects, with the schema's types, enum values and non-null fields. The answer is checked by
 * executing the document against the schema with the answer itself as the root value: graphql-java then coerces every
 * selected value to its declared type (an error for a wrong scalar, an unknown enum value or a null where the schema
 * says non-null), and the result must equal the answer (a field the document did not select, or one missing, makes
 * them differ).
 */
final class LinearContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBSET = "/contracts/linear/linear-subset.graphql";

    private final GraphQLSchema schema;
    private final GraphQL executor;

    private LinearContract(GraphQLSchema schema) {
        this.schema = schema;
        this.executor = GraphQL.newGraphQL(schema).build();
    }

    /** The contract of the committed schema subset. */
    static LinearContract load() {
        try (InputStream in = LinearContract.class.getResourceAsStream(SUBSET)) {
            TypeDefinitionRegistry types =
                    new SchemaParser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
                    .wiringFactory(new Answers())
                    .build();
            return new LinearContract(new SchemaGenerator().makeExecutableSchema(types, wiring));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema, for checks of documents alone. */
    GraphQLSchema schema() {
        return schema;
    }

    /** What the document itself breaks: unknown fields or arguments, wrong variable types. */
    List<String> document(String document) {
        return messages(ParseAndValidate.parseAndValidate(
                        schema, ExecutionInput.newExecutionInput(document).build())
                .getErrors());
    }

    /** What one exchange breaks: the document, its variables, or the answer's {@code data}; empty when it holds. */
    List<String> exchange(String document, Map<String, Object> variables, Map<String, Object> data) {
        List<String> violations = new ArrayList<>(document(document));
        if (!violations.isEmpty()) {
            return violations;
        }
        ExecutionResult result = executor.execute(ExecutionInput.newExecutionInput(document)
                .variables(variables)
                .root(data)
                .build());
        violations.addAll(messages(result.getErrors()));
        if (violations.isEmpty() && !tree(result.getData()).equals(tree(data))) {
            violations.add("the answer " + tree(data) + " is not what the document selects: " + tree(result.getData()));
        }
        return violations;
    }

    private static List<String> messages(List<GraphQLError> errors) {
        return errors.stream().map(GraphQLError::getMessage).toList();
    }

    private static JsonNode tree(Object value) {
        try {
            return JSON.readTree(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Reads every field from the answer's maps (graphql-java's default property fetcher), passes Linear's custom
     * scalars through as given (their JSON form), and resolves an interface or union by the answer's
     * {@code __typename}.
     */
    private static final class Answers implements WiringFactory {
        @Override
        public boolean providesScalar(ScalarWiringEnvironment environment) {
            return !ScalarInfo.isGraphqlSpecifiedScalar(
                    environment.getScalarTypeDefinition().getName());
        }

        @Override
        public GraphQLScalarType getScalar(ScalarWiringEnvironment environment) {
            return GraphQLScalarType.newScalar()
                    .name(environment.getScalarTypeDefinition().getName())
                    .coercing(new Coercing<Object, Object>() {
                        @Override
                        @SuppressWarnings("deprecation")
                        public Object serialize(Object value) {
                            return value;
                        }

                        @Override
                        @SuppressWarnings("deprecation")
                        public Object parseValue(Object input) {
                            return input;
                        }

                        @Override
                        @SuppressWarnings("deprecation")
                        public Object parseLiteral(Object input) {
                            return input;
                        }
                    })
                    .build();
        }

        @Override
        public boolean providesTypeResolver(InterfaceWiringEnvironment environment) {
            return true;
        }

        @Override
        public TypeResolver getTypeResolver(InterfaceWiringEnvironment environment) {
            return Answers::byTypename;
        }

        @Override
        public boolean providesTypeResolver(UnionWiringEnvironment environment) {
            return true;
        }

        @Override
        public TypeResolver getTypeResolver(UnionWiringEnvironment environment) {
            return Answers::byTypename;
        }

        private static GraphQLObjectType byTypename(graphql.TypeResolutionEnvironment environment) {
            Object typename = environment.getObject() instanceof Map<?, ?> map ? map.get("__typename") : null;
            return typename == null ? null : environment.getSchema().getObjectType(typename.toString());
        }
    }
}
