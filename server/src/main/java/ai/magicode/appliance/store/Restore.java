package ai.magicode.appliance.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A finished restore.
 *
 * @param restoredFrom the backup directory
 * @param previousStoreMovedTo where the replaced store was kept, if there was one
 * @param schemaVersion the restored schema version
 * @param restoredAlongside the backup's other directories put into the data dir (e.g. {@code audit})
 * @param keptCurrent the backup's other directories not restored because the data dir still has them
 */
public record Restore(
        Path restoredFrom,
        Optional<Path> previousStoreMovedTo,
        int schemaVersion,
        List<String> restoredAlongside,
        List<String> keptCurrent) {
    public Restore {
        restoredAlongside = List.copyOf(restoredAlongside);
        keptCurrent = List.copyOf(keptCurrent);
    }
}
