package ai.magicode.appliance.control;

/** A control command was refused or could not be delivered; the message is for the operator. */
public final class ControlException extends RuntimeException {
    public ControlException(String message) {
        super(message);
    }
}
