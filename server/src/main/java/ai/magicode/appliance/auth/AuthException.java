package ai.magicode.appliance.auth;

/**
 * A caller could not be authenticated: a malformed, expired, foreign or revoked credential, or a wrong
 * password. The message is safe to show (it never contains the credential); answered with 401.
 */
public final class AuthException extends RuntimeException {
    private final String reason;

    AuthException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** A short, stable code for metrics and the audit log, e.g. {@code expired}, {@code signature}. */
    public String reason() {
        return reason;
    }
}
