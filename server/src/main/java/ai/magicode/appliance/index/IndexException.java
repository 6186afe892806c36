package ai.magicode.appliance.index;

/** An index that cannot be built, updated or searched (locked, unwritable, or its repository unreadable). */
public class IndexException extends RuntimeException {
    IndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
