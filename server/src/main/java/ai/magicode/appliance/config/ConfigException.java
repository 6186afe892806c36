package ai.magicode.appliance.config;

/** A configuration value that cannot be used; the message names the key, its source and the expected form. */
public final class ConfigException extends RuntimeException {
    private final String key;

    ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The offending key path, e.g. {@code server.port}. */
    public String key() {
        return key;
    }
}
