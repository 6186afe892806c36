package ai.magicode.appliance.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem document, the body of every 4xx and 5xx answer.
 *
 * @param status HTTP status
 * @param title short summary of the problem type
 * @param detail what went wrong for this request, safe to show
 * @param requestId the request id, also in the {@code X-Request-Id} header and the logs
 */
public record Problem(int status, String title, String detail, String requestId) {
    /** The media type of a problem document. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON body. */
    public byte[] toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        if (detail != null && !detail.isBlank()) {
            body.put("detail", detail);
        }
        body.put("requestId", requestId);
        try {
            return JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a problem document", e);
        }
    }
}
