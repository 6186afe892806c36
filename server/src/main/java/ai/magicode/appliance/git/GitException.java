package ai.magicode.appliance.git;

/** A repository that cannot be opened or read, or a revision that does not name a commit; the message says which. */
public class GitException extends RuntimeException {
    GitException(String message) {
        super(message);
    }

    GitException(String message, Throwable cause) {
        super(message, cause);
    }
}
