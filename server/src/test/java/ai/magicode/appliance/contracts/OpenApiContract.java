package ai.magicode.appliance.contracts;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * An external service's OpenAPI description checking the exchanges its simulator sees (GHES, Jira): one request and
 * its answer in, the messages of every error out. Each service's contract class builds the validator (its base path,
 * known defects, levels) and says where a request's path stands in the description.
 */
public final class OpenApiContract {
    private final OpenApiInteractionValidator validator;
    private final UnaryOperator<String> describedPath;

    /**
     * @param validator checks one request and response against the description
     * @param describedPath the path the description names for a request's path (messages name the request's own)
     */
    public OpenApiContract(OpenApiInteractionValidator validator, UnaryOperator<String> describedPath) {
        this.validator = validator;
        this.describedPath = describedPath;
    }

    /** The text (UTF-8) of the description at {@code resource} on the test class path. */
    public static String description(String resource) {
        try (InputStream in = OpenApiContract.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Levels for a description whose schemas allow properties beyond those they list (as GitHub's and Jira's do, and
     * the services add new ones): the validator would otherwise treat every schema as {@code additionalProperties:
     * false}.
     */
    public static LevelResolver.Builder openSchemaLevels() {
        return LevelResolver.create()
                .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE);
    }

    /**
     * Validates one exchange; returns the messages of every error, empty when both sides hold to the contract. An
     * empty or absent body counts as none.
     *
     * @param path the request's path as the simulator saw it, without query
     */
    public List<String> validate(
            String method,
            String path,
            Map<String, List<String>> query,
            Map<String, String> requestHeaders,
            byte[] requestBody,
            int status,
            Map<String, String> responseHeaders,
            byte[] responseBody) {
        SimpleRequest.Builder request =
                new SimpleRequest.Builder(Request.Method.valueOf(method), describedPath.apply(path));
        requestHeaders.forEach(request::withHeader);
        query.forEach(request::withQueryParam);
        if (requestBody != null && requestBody.length > 0) {
            request.withBody(requestBody);
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        responseHeaders.forEach(response::withHeader);
        if (responseBody != null && responseBody.length > 0) {
            response.withBody(responseBody);
        }
        ValidationReport report = validator.validate(request.build(), response.build());
        List<String> errors = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() == ValidationReport.Level.ERROR) {
                errors.add(
                        method + " " + path + " -> " + status + ": " + message.getKey() + ": " + message.getMessage());
            }
        }
        return errors;
    }
}
