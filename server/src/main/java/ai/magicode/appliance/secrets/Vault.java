package ai.magicode.appliance.secrets;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.VaultState.SealedVersion;
import ai.magicode.appliance.secrets.VaultState.SecretRecord;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The secrets vault: per tenant, named secrets whose versions are each sealed with their own AES-256-GCM data key,
 * the data keys wrapped by the master key from a {@link MasterKeySource}. Only ciphertexts, wrapped keys, nonces and
 * metadata reach the store. Values leave only through {@link #read}, for the features that use them; every change is
 * reported as an {@link AuditEvent} without the value.
 */
public final class Vault {
    /** The store section holding the vault. */
    public static final String SECTION = "secrets.vault";
    /** Valid secret names. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    /** The largest value accepted, in bytes. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    /**
     * The vault tenant of the appliance's own keys (the audit signing key, …): no caller can have it, since
     * tenant names start with a letter or a digit.
     */
    public static final String APPLIANCE = "_appliance";

    private static final System.Logger LOG = System.getLogger(Vault.class.getName());

    private final ApplianceStore store;
    private final MasterKeySource source;
    private final Consumer<AuditEvent> audit;
    private final Envelope envelope;
    private final VaultState state;
    private final SecureRandom random;
    // Guarded by this.
    private MasterKey master;
    private byte[] fingerprintKey;

    private Vault(
            ApplianceStore store,
            MasterKeySource source,
            Consumer<AuditEvent> audit,
            Envelope envelope,
            VaultState state,
            SecureRandom random) {
        this.store = store;
        this.source = source;
        this.audit = audit;
        this.envelope = envelope;
        this.state = state;
        this.random = random;
    }

    /**
     * Opens the vault in {@code store} with the master key from {@code source}; on first open, creates the
     * verification record (and, for the file source, the key file).
     *
     * @param audit receives every change; never given a value
     * @throws SecretsException naming the source when its key is missing, malformed, or does not unlock sealed data
     *     already in the store: the vault never starts empty over sealed data
     */
    public static Vault open(ApplianceStore store, MasterKeySource source, Consumer<AuditEvent> audit) {
        SecureRandom random = new SecureRandom();
        Envelope envelope = new Envelope(random);
        VaultState state = store.section(SECTION, VaultState.class, VaultState::new);
        Vault vault = new Vault(store, source, audit, envelope, state, random);
        synchronized (vault) {
            if (state.fingerprintKey == null) {
                vault.initialise();
            } else {
                vault.unlock();
            }
        }
        return vault;
    }

    private void initialise() {
        if (!state.secrets.isEmpty()) {
            throw new SecretsException("The vault in the store holds sealed secrets but no verification record;"
                    + " the store is damaged: restore a backup (see docs/security.md)");
        }
        List<MasterKey> offered = source.candidates();
        master = offered.isEmpty() ? source.create(envelope) : offered.getFirst();
        offered.stream().filter(k -> k != master).forEach(MasterKey::destroy);
        fingerprintKey = envelope.newKey();
        state.fingerprintKey = envelope.wrap(fingerprintKey, master);
        store.store(state);
        source.settle(master);
        LOG.log(INFO, "Vault created with master key " + master.id() + " from " + source.description());
    }

    private void unlock() {
        String sealedWith = state.fingerprintKey.masterKeyId();
        List<MasterKey> offered = source.candidates();
        if (offered.isEmpty()) {
            throw new SecretsException("The vault holds sealed data under master key " + sealedWith + " but "
                    + source.description() + " does not exist. Restore that key file from its backup (see"
                    + " docs/security.md); the appliance does not start with an empty vault over sealed data");
        }
        Optional<MasterKey> match = offered.stream()
                .filter(k -> envelope.unwraps(state.fingerprintKey, k))
                .findFirst();
        if (match.isEmpty()) {
            String ids = String.join(
                    ", ", offered.stream().map(MasterKey::id).distinct().toList());
            offered.forEach(MasterKey::destroy);
            throw new SecretsException("The master key from " + source.description() + " (key id " + ids
                    + ") does not unlock the vault, which is sealed under master key " + sealedWith + ". Supply that"
                    + " key (see docs/security.md); the appliance does not start with an empty vault over sealed"
                    + " data");
        }
        master = match.get();
        offered.stream().filter(k -> k != master).forEach(MasterKey::destroy);
        fingerprintKey = envelope.unwrap(state.fingerprintKey, master);
        source.settle(master);
        LOG.log(INFO, "Vault unlocked with master key " + master.id() + " from " + source.description());
    }

    /** The id (fingerprint) of the master key the vault is wrapped under. */
    public synchronized String masterKeyId() {
        return master.id();
    }

    /**
     * Creates the secret, or replaces it with a new version while keeping the earlier ones readable until
     * {@link #prune}d. The caller keeps ownership of {@code value} (and zeroes it).
     *
     * @return the secret's metadata; {@code version() == 1} when it was created
     * @throws SecretsException when the name or the value is not acceptable
     */
    public synchronized SecretInfo put(String tenant, String name, byte[] value, Actor actor, String requestId) {
        return put(tenant, name, value, actor, requestId, tenant);
    }

    /** {@link #put}, audited as an action of {@code auditTenant}. */
    private SecretInfo put(
            String tenant, String name, byte[] value, Actor actor, String requestId, String auditTenant) {
        requireTenant(tenant);
        requireName(name);
        Objects.requireNonNull(value, "value");
        if (value.length > MAX_VALUE_BYTES) {
            throw new SecretsException(
                    "The value of secret " + name + " has " + value.length + " bytes; at most " + MAX_VALUE_BYTES);
        }
        String key = VaultState.key(tenant, name);
        Instant now = Instant.now();
        SecretRecord existing = state.secrets.get(key);
        String id = existing != null ? existing.id() : newId();
        int version = existing != null ? existing.current().version() + 1 : 1;
        Envelope.Sealed sealed = envelope.seal(value, Envelope.aad(id, tenant, name, version), master);
        SealedVersion sealedVersion = new SealedVersion(
                version,
                now,
                sealed.nonce(),
                sealed.ciphertext(),
                sealed.key(),
                Envelope.fingerprint(fingerprintKey, tenant, value));
        List<SealedVersion> versions = new ArrayList<>(existing != null ? existing.versions() : List.of());
        versions.add(sealedVersion);
        SecretRecord record = existing != null
                ? existing.withVersions(versions)
                : new SecretRecord(id, tenant, name, now, new ArrayList<>(versions));
        replace(key, record);
        audit.accept(AuditEvent.of(existing == null ? "secret.create" : "secret.replace", name)
                .tenant(auditTenant)
                .actor(actor)
                .requestId(requestId)
                .field("version", version)
                .field("fingerprint", sealedVersion.fingerprint())
                .success());
        return info(record);
    }

    /** A fresh random 256-bit key, for {@link #readOrCreate}. */
    public static byte[] newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /**
     * The current value of a key the appliance makes itself, created on first use from {@code initial} (whose array
     * the vault zeroes after sealing). The caller zeroes the returned array after use.
     */
    public synchronized byte[] readOrCreate(String tenant, String name, Supplier<byte[]> initial, Actor actor) {
        return readOrCreate(tenant, name, initial, actor, tenant);
    }

    /**
     * {@link #readOrCreate} for a key the appliance keeps for {@code owner} in its own vault tenant ({@link #APPLIANCE},
     * where the owner's admins cannot touch it): the secret's audit entries are the owner's, so they are sealed under
     * its audit key and erased with it (the secret's name may name the owner).
     */
    public synchronized byte[] readOrCreateFor(String owner, String name, Supplier<byte[]> initial, Actor actor) {
        return readOrCreate(APPLIANCE, name, initial, actor, owner);
    }

    private byte[] readOrCreate(String tenant, String name, Supplier<byte[]> initial, Actor actor, String auditTenant) {
        Optional<byte[]> existing = read(tenant, name);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] value = initial.get();
        try {
            put(tenant, name, value, actor, "-", auditTenant);
            return value.clone();
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    /**
     * The current value of a secret, for the features that use it (no API returns it). The caller zeroes the array
     * after use.
     */
    public synchronized Optional<byte[]> read(String tenant, String name) {
        SecretRecord record = state.secrets.get(VaultState.key(tenant, name));
        return record == null ? Optional.empty() : Optional.of(unseal(record, record.current()));
    }

    /** A kept version of a secret, until it is pruned; the caller zeroes the array after use. */
    public synchronized Optional<byte[]> read(String tenant, String name, int version) {
        SecretRecord record = state.secrets.get(VaultState.key(tenant, name));
        if (record == null) {
            return Optional.empty();
        }
        return record.versions().stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .map(v -> unseal(record, v));
    }

    /** The metadata of one secret. */
    public synchronized Optional<SecretInfo> info(String tenant, String name) {
        return Optional.ofNullable(state.secrets.get(VaultState.key(tenant, name)))
                .map(Vault::info);
    }

    /** The tenant's secrets by name: metadata only. */
    public synchronized List<SecretInfo> list(String tenant) {
        return state.secrets.values().stream()
                .filter(r -> r.tenant().equals(tenant))
                .map(Vault::info)
                .sorted(Comparator.comparing(SecretInfo::name))
                .toList();
    }

    /**
     * Deletes a secret with all its versions.
     *
     * @return whether it existed
     */
    public synchronized boolean delete(String tenant, String name, Actor actor, String requestId) {
        return delete(tenant, name, actor, requestId, tenant);
    }

    /** Deletes a key {@link #readOrCreateFor} keeps for {@code owner}, audited as the owner's; whether it existed. */
    public synchronized boolean deleteFor(String owner, String name, Actor actor) {
        return delete(APPLIANCE, name, actor, "-", owner);
    }

    private boolean delete(String tenant, String name, Actor actor, String requestId, String auditTenant) {
        String key = VaultState.key(tenant, name);
        SecretRecord existing = state.secrets.get(key);
        if (existing == null) {
            return false;
        }
        replace(key, null);
        audit.accept(AuditEvent.of("secret.delete", name)
                .tenant(auditTenant)
                .actor(actor)
                .requestId(requestId)
                .field("versions", existing.versions().size())
                .success());
        return true;
    }

    /**
     * Removes every version of a secret but the current one.
     *
     * @return how many versions were removed, or empty when there is no such secret
     */
    public synchronized OptionalInt prune(String tenant, String name, Actor actor, String requestId) {
        String key = VaultState.key(tenant, name);
        SecretRecord existing = state.secrets.get(key);
        if (existing == null) {
            return OptionalInt.empty();
        }
        int removed = existing.versions().size() - 1;
        if (removed > 0) {
            replace(key, existing.withVersions(List.of(existing.current())));
        }
        audit.accept(AuditEvent.of("secret.prune", name)
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("version", existing.current().version())
                .field("removedVersions", removed)
                .success());
        return OptionalInt.of(removed);
    }

    /**
     * Re-wraps every data key (and the fingerprint key) under a new master key, in one store commit, without
     * re-encrypting any payload. The file source generates the new key unless one is given and replaces the key
     * file after the commit; the other sources take {@code newKey} and leave updating the source to the operator.
     *
     * @param newKey base64 of the new 32-byte key; required unless the source is {@code file}
     * @throws SecretsException when no new key is given where one is needed, or the new key is unusable
     */
    public synchronized MasterKeyRotation rotateMasterKey(Optional<byte[]> newKey, Actor actor) {
        MasterKey previous = master;
        MasterKey next = source.prepareRotation(previous, newKey, envelope);
        int rewrapped = 0;
        WrappedKey fingerprintBefore = state.fingerprintKey;
        HashMap<String, SecretRecord> secretsBefore = state.secrets;
        try {
            HashMap<String, SecretRecord> secrets = new HashMap<>();
            for (var entry : state.secrets.entrySet()) {
                List<SealedVersion> versions = new ArrayList<>();
                for (SealedVersion version : entry.getValue().versions()) {
                    versions.add(version.withKey(rewrap(version.key(), previous, next)));
                    rewrapped++;
                }
                secrets.put(entry.getKey(), entry.getValue().withVersions(versions));
            }
            state.fingerprintKey = envelope.wrap(fingerprintKey, next);
            state.secrets = secrets;
            store.store(state);
        } catch (RuntimeException e) {
            state.fingerprintKey = fingerprintBefore;
            state.secrets = secretsBefore;
            source.abortRotation();
            next.destroy();
            throw e;
        }
        master = next;
        source.completeRotation(next);
        previous.destroy();
        String notice = source.kind() == MasterKeySource.Kind.FILE
                ? ""
                : "Update " + source.description() + " to the new key (id " + next.id()
                        + ") before the next restart; the previous key no longer opens the vault.";
        LOG.log(
                notice.isEmpty() ? INFO : WARNING,
                "Re-wrapped " + rewrapped + " data keys from master key " + previous.id() + " to " + next.id()
                        + (notice.isEmpty() ? "" : ". " + notice));
        audit.accept(AuditEvent.of("secret.master-key.rotate", "master-key")
                .actor(actor)
                .field("previousKeyId", previous.id())
                .field("newKeyId", next.id())
                .field("rewrappedKeys", rewrapped)
                .success());
        return new MasterKeyRotation(previous.id(), next.id(), rewrapped, notice);
    }

    private WrappedKey rewrap(WrappedKey wrapped, MasterKey from, MasterKey to) {
        byte[] dataKey = envelope.unwrap(wrapped, from);
        try {
            return envelope.wrap(dataKey, to);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Copy-on-write: readers of the old map are unaffected, and the commit stores the new map with its new records. */
    /**
     * Removes every secret of {@code tenant} with all versions, in one store commit (a tenant's deletion). The audit
     * entry counts them and names none: a deleted tenant's secret names should not be written again.
     *
     * @return how many secrets were removed
     */
    public synchronized int eraseTenant(String tenant, Actor actor) {
        HashMap<String, SecretRecord> secrets = new HashMap<>(state.secrets);
        secrets.values().removeIf(record -> record.tenant().equals(tenant));
        int removed = state.secrets.size() - secrets.size();
        if (removed == 0) {
            return 0;
        }
        HashMap<String, SecretRecord> before = state.secrets;
        state.secrets = secrets;
        try {
            store.store(state);
        } catch (RuntimeException e) {
            state.secrets = before;
            throw e;
        }
        audit.accept(AuditEvent.of("secret.erase", tenant)
                .tenant(tenant)
                .actor(actor)
                .field("secrets", removed)
                .success());
        return removed;
    }

    /** The vault's tenant data: each tenant's own secrets (names and metadata export; values never). */
    public TenantData tenantData() {
        return new TenantData(
                "secrets.vault",
                "store section " + SECTION + " (AES-256-GCM ciphertexts, wrapped data keys, metadata)",
                "until the secret or its tenant is deleted; replaced versions until pruned",
                "credentials the tenant's features use (provider keys, connection secrets); write-only through the API",
                List.of("store:" + SECTION),
                (tenant, sink) -> sink.add(
                        "secrets.json",
                        list(tenant).stream()
                                .map(info -> java.util.Map.of(
                                        "name", info.name(),
                                        "version", info.version(),
                                        "versions", info.versions(),
                                        "created", info.created().toString()))
                                .toList()),
                tenant -> eraseTenant(tenant, Actor.system()));
    }

    private void replace(String key, SecretRecord record) {
        HashMap<String, SecretRecord> secrets = new HashMap<>(state.secrets);
        if (record == null) {
            secrets.remove(key);
        } else {
            secrets.put(key, record);
        }
        HashMap<String, SecretRecord> before = state.secrets;
        state.secrets = secrets;
        try {
            store.store(state);
        } catch (RuntimeException e) {
            state.secrets = before;
            throw e;
        }
    }

    private byte[] unseal(SecretRecord record, SealedVersion version) {
        return envelope.unseal(
                version.nonce(),
                version.ciphertext(),
                Envelope.aad(record.id(), record.tenant(), record.name(), version.version()),
                version.key(),
                master);
    }

    private static SecretInfo info(SecretRecord record) {
        SealedVersion current = record.current();
        return new SecretInfo(
                record.name(),
                current.version(),
                record.versions().size(),
                record.created(),
                current.version() == 1 ? Optional.empty() : Optional.of(current.created()),
                current.fingerprint());
    }

    private String newId() {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private static void requireTenant(String tenant) {
        if (tenant == null || tenant.isBlank()) {
            throw new SecretsException("A secret needs a tenant");
        }
    }

    /** Checks a secret name against {@link #NAME}. */
    public static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SecretsException("A secret name is 1 to 100 characters: lower-case letters, digits, '.', '_'"
                    + " and '-', starting with a letter or digit");
        }
    }
}
