package ai.magicode.appliance.github;

import java.util.OptionalInt;

/** A GitHub call that failed or was refused (by GitHub, a rate limit, or the push guard); never carries a token. */
public class GitHubException extends RuntimeException {
    private final int status;

    public GitHubException(String message) {
        this(message, 0, null);
    }

    public GitHubException(String message, Throwable cause) {
        this(message, 0, cause);
    }

    GitHubException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** GitHub's HTTP status, when the failure is an answer from GitHub. */
    public OptionalInt status() {
        return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }
}
