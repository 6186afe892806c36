package ai.magicode.appliance.agent;

/** An agent job, edit or repository configuration that cannot go on; the message is safe to show to a developer. */
public final class AgentException extends RuntimeException {
    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
