package ai.magicode.appliance.secrets;

/**
 * A secret, key or certificate that cannot be used; the message names the file or item and what is wrong with it, and
 * never contains key material.
 */
public class SecretsException extends RuntimeException {
    SecretsException(String message) {
        super(message);
    }

    SecretsException(String message, Throwable cause) {
        super(message, cause);
    }
}
