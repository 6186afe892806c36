package ai.magicode.appliance.github;

/** A failure of the webhook inbox; its message is safe to show to the caller (never a secret or a body). */
public class WebhookException extends RuntimeException {
    public WebhookException(String message) {
        super(message);
    }

    public WebhookException(String message, Throwable cause) {
        super(message, cause);
    }
}
