package ai.magicode.appliance;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditLog;
import ai.magicode.appliance.audit.AuditRelay;
import ai.magicode.appliance.audit.AuditSigningKey;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The data dir's three cores, opened in the order they need each other: the store, the vault in it, then
 * the audit log, whose checkpoint signing key the vault holds. The vault reports to the log through a
 * relay that holds its events until the log is open. The server and the CLI (when nothing serves) both
 * open the data dir this way.
 *
 * @param store the store, locked for this process
 * @param vault the unlocked vault
 * @param audit the audit log, locked for this process
 */
record DataDir(ApplianceStore store, Vault vault, AuditLog audit) implements AutoCloseable {
    /**
     * Opens store, vault and audit log under {@code config.dataDir()}; closes what it opened when a later
     * step fails.
     *
     * @throws ai.magicode.appliance.store.StoreException when the store is in use or cannot be opened
     * @throws ai.magicode.appliance.secrets.SecretsException when the master key is missing or wrong
     * @throws ai.magicode.appliance.audit.AuditException when the log is in use or cannot be opened
     */
    static DataDir open(ApplianceConfig config) {
        ApplianceStore store = ApplianceStore.open(config.dataDir(), Appliance.MIGRATIONS);
        try {
            AuditRelay relay = new AuditRelay();
            Vault vault = Vault.open(store, MasterKeySource.from(config, System.getenv()), relay);
            Path dir = auditDir(config);
            AuditLog audit = AuditLog.open(dir, config.audit(), () -> signingSeed(vault, dir));
            try {
                relay.attach(audit);
            } catch (RuntimeException e) {
                audit.close();
                throw e;
            }
            return new DataDir(store, vault, audit);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Where the audit log's segments live: {@code DATA_DIR/audit} (a contract of {@code audit verify}). */
    static Path auditDir(ApplianceConfig config) {
        return config.dataDir().resolve(Appliance.AUDIT_DIR);
    }

    /** The signing key from the vault; made there on first start, or imported from an earlier version's file. */
    private static byte[] signingSeed(Vault vault, Path auditDir) {
        Optional<byte[]> legacy = AuditSigningKey.legacy(auditDir);
        byte[] seed = vault.readOrCreate(
                Vault.APPLIANCE,
                AuditSigningKey.NAME,
                () -> legacy.map(byte[]::clone).orElseGet(AuditSigningKey::generate),
                Actor.system());
        if (legacy.isPresent()) {
            Arrays.fill(legacy.get(), (byte) 0);
            // The vault has committed the key (or held one already, whose public half is in public-keys).
            AuditSigningKey.deleteLegacy(auditDir);
        }
        return seed;
    }

    /** Closes the audit log (signing a last checkpoint), then the store. */
    @Override
    public void close() {
        try {
            audit.close();
        } finally {
            store.close();
        }
    }
}
