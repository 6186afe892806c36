package ai.magicode.appliance.tickets;

/** A Jira or Linear call failed, or a connection's settings are unusable; the message never holds a credential. */
public final class TicketsException extends RuntimeException {
    public TicketsException(String message) {
        super(message);
    }

    public TicketsException(String message, Throwable cause) {
        super(message, cause);
    }
}
