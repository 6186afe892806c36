package ai.magicode.appliance.privacy;

/** A privacy operation (export, deletion, retention) could not be carried out. */
public final class PrivacyException extends RuntimeException {
    PrivacyException(String message, Throwable cause) {
        super(message, cause);
    }
}
