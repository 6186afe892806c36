package ai.magicode.appliance.config;

import java.nio.file.Path;

/**
 * The admin console's settings (section {@code console}).
 *
 * @param backupDir where the system page's backups go: a new directory each time
 * @param supportLogLines how many recent log lines the support bundle carries
 */
public record ConsoleConfig(Path backupDir, int supportLogLines) {
    static ConsoleConfig from(ConfigValues values, Path dataDir) {
        return new ConsoleConfig(values.optionalPath("console.backup-dir").orElse(dataDir.resolve("backups")), (int)
                values.integer("console.support-log-lines", 0, 100_000));
    }
}
