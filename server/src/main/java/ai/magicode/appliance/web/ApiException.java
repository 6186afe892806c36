package ai.magicode.appliance.web;

/**
 * An expected HTTP failure raised by a route: its status, a short title and a detail that is safe to
 * show to the caller (no secrets, no source code, no stack traces). Mapped to problem+json by {@link Problems}.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String title;

    public ApiException(int status, String title, String detail) {
        super(detail);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        this.status = status;
        this.title = title;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not Found", detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail);
    }

    public static ApiException unavailable(String detail) {
        return new ApiException(503, "Service Unavailable", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The caller-safe explanation. */
    public String detail() {
        return getMessage();
    }
}
