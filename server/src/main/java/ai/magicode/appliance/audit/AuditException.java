package ai.magicode.appliance.audit;

/** The audit log cannot do what was asked: it is closed, unwritable, in use or its files are unreadable. */
public final class AuditException extends RuntimeException {
    public AuditException(String message) {
        super(message);
    }

    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
