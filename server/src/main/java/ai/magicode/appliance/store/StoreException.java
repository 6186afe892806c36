package ai.magicode.appliance.store;

/**
 * A store that cannot be opened, migrated, backed up or restored; the message is meant for the operator and says
 * what to do, {@link #kind()} tells callers (CLI exit codes, health checks) which case it is.
 */
public class StoreException extends RuntimeException {
    /** The cases an operator or caller can tell apart. */
    public enum Kind {
        /** Another process, or another open store in this one, holds the data dir's lock. */
        LOCKED,
        /** The store or backup was written by a newer schema version than this build supports. */
        NEWER_SCHEMA,
        /** No migration is registered for a step between the stored and the current schema version. */
        MISSING_MIGRATION,
        /** A migration threw; the store stays at the last version that was fully migrated. */
        MIGRATION_FAILED,
        /** The store's files cannot be read as a MagiCode store. */
        CORRUPT,
        /** A backup is incomplete, altered, or its target is unusable. */
        BAD_BACKUP,
        /** A file system operation failed. */
        IO
    }

    private final Kind kind;

    StoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** Which case this is. */
    public Kind kind() {
        return kind;
    }
}
