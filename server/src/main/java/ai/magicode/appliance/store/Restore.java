package ai.magicode.appliance.store;

import java.nio.file.Path;
import java.util.Optional;

/** A finished restore: where it came from, where the replaced store was kept, and the restored schema version. */
public record Restore(Path restoredFrom, Optional<Path> previousStoreMovedTo, int schemaVersion) {}
