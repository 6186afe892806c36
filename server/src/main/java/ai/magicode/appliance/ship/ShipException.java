package ai.magicode.appliance.ship;

/** A release bundle or installation step that cannot go on; the message says which file or check and why. */
public class ShipException extends RuntimeException {
    ShipException(String message) {
        super(message);
    }

    ShipException(String message, Throwable cause) {
        super(message, cause);
    }
}
