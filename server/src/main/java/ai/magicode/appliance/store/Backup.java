package ai.magicode.appliance.store;

import java.nio.file.Path;
import java.time.Instant;

/** A finished full backup: its directory (with {@code backup.json}), schema version, total size and start time. */
public record Backup(Path directory, int schemaVersion, long bytes, Instant createdAt) {}
