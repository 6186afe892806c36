package ai.magicode.appliance.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Crypto-shredding for the audit log: the tenant-identifying parts of a tenant's entries are sealed with AES-256-GCM
 * under a key of that tenant (and a user's own id under a key of that user), so that destroying the key erases them
 * from every entry at once while the hash chain, which covers the sealed bytes, still verifies.
 *
 * <p>What is sealed, and why: the {@code tenant} becomes the tenant key's random id ({@code ~k…}), so nothing links
 * the entry to the tenant's name once the key is gone; the {@code target} and every field value (secret names,
 * repository ids, user names — the free-form parts features fill in) are sealed under the tenant key; the actor's id,
 * when the actor is a user, under that user's key (so that deleting the user erases it without the tenant), and when
 * it is an API token under the tenant key. What stays readable is what identifies nobody: sequence number, time,
 * action, outcome, request id (random), field names, the actor's kind, and the ids of the appliance and the App.
 * Platform entries (tenant {@code -}, and the appliance's own vault tenant {@code _appliance}) are not sealed.
 *
 * <p>The keys live in {@code keys.json} beside the segments, each wrapped with AES-GCM under a key derived from the
 * checkpoint signing seed (which the vault keeps), together with its scope, also wrapped: the file names no tenant.
 * Destroying a key rewrites the file without it. Entries written before this existed hold plain values and read as
 * they are.
 */
final class AuditKeys {
    /** What a sealed value reads as once its key is destroyed. */
    static final String ERASED = "[erased]";

    static final String FILE = "keys.json";
    private static final String SEALED = "~";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(AuditKeys::newCipher);

    /** One key: its random id (what sealed values name), its scope ({@code tenant:…}, {@code user:…}), and key. */
    private record Key(String id, String scope, SecretKeySpec aes) {}

    private final Path file;
    private final SecretKeySpec wrap;
    private final SecureRandom random = new SecureRandom();
    /** Nonce prefixes, one per 2^32 values sealed; drawn at start. */
    private final java.util.concurrent.atomic.AtomicLongArray prefixes = randomPrefixes(random);

    private final java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Key> byScope = new ConcurrentHashMap<>();
    private final Map<String, Key> byId = new ConcurrentHashMap<>();

    private AuditKeys(Path file, SecretKeySpec wrap) {
        this.file = file;
        this.wrap = wrap;
    }

    /**
     * Loads the keys of the log in {@code dir}, unwrapping them with a key derived from {@code signingSeed} (the
     * array is zeroed).
     */
    static AuditKeys open(Path dir, byte[] signingSeed) {
        AuditKeys keys = new AuditKeys(dir.resolve(FILE), new SecretKeySpec(derive(signingSeed), "AES"));
        keys.load();
        return keys;
    }

    static String tenantScope(String tenant) {
        return "tenant:" + tenant;
    }

    static String userScope(String tenant, String user) {
        return "user:" + tenant + ":" + user;
    }

    /** {@code event} as it is written: its tenant-identifying values sealed (platform events unchanged). */
    AuditEvent seal(AuditEvent event) {
        if (event.tenant().equals(AuditEvent.PLATFORM) || event.tenant().startsWith("_")) {
            return event; // platform actions, and the appliance's own vault tenant (_appliance)
        }
        Key tenant = key(tenantScope(event.tenant()));
        Actor actor = switch (event.actor().kind()) {
            case USER ->
                new Actor(
                        Actor.Kind.USER,
                        seal(
                                key(userScope(event.tenant(), event.actor().id())),
                                event.actor().id()));
            case API_TOKEN ->
                new Actor(Actor.Kind.API_TOKEN, seal(tenant, event.actor().id()));
            default -> event.actor();
        };
        Map<String, String> fields = new LinkedHashMap<>();
        event.fields().forEach((name, value) -> fields.put(name, seal(tenant, value)));
        return new AuditEvent(
                SEALED + tenant.id(),
                actor,
                event.action(),
                seal(tenant, event.target()),
                event.outcome(),
                event.requestId(),
                fields);
    }

    /** {@code entry} as readers see it: sealed values opened, or {@value #ERASED} where the key is destroyed. */
    AuditEntry open(AuditEntry entry) {
        AuditEvent event = entry.event();
        if (!event.tenant().startsWith(SEALED)) {
            return entry;
        }
        String tenant = Optional.ofNullable(byId.get(event.tenant().substring(1)))
                .map(key -> key.scope().substring("tenant:".length()))
                .orElse(ERASED);
        Map<String, String> fields = new LinkedHashMap<>();
        event.fields().forEach((name, value) -> fields.put(name, open(value)));
        Actor actor = event.actor().kind() == Actor.Kind.USER || event.actor().kind() == Actor.Kind.API_TOKEN
                ? new Actor(event.actor().kind(), open(event.actor().id()))
                : event.actor();
        return new AuditEntry(
                entry.seq(),
                entry.time(),
                new AuditEvent(
                        tenant,
                        actor,
                        event.action(),
                        open(event.target()),
                        event.outcome(),
                        event.requestId(),
                        fields),
                entry.prevHash(),
                entry.hash());
    }

    /** How a tenant's entries name it in the log: its key's id when it has one (plain, for older entries, too). */
    Optional<String> sealedTenant(String tenant) {
        return Optional.ofNullable(byScope.get(tenantScope(tenant))).map(key -> SEALED + key.id());
    }

    /** Destroys the keys of {@code tenant} and of all its users; how many. */
    int destroyTenant(String tenant) {
        String userPrefix = userScope(tenant, "");
        return destroy(scope -> scope.equals(tenantScope(tenant)) || scope.startsWith(userPrefix));
    }

    /** Destroys the key of one user of {@code tenant}; whether there was one. */
    boolean destroyUser(String tenant, String user) {
        return destroy(scope -> scope.equals(userScope(tenant, user))) > 0;
    }

    /** How many keys the file holds (for tests and the inventory). */
    int size() {
        return byScope.size();
    }

    private synchronized int destroy(Predicate<String> scopes) {
        List<Key> doomed = byScope.values().stream()
                .filter(key -> scopes.test(key.scope()))
                .toList();
        if (doomed.isEmpty()) {
            return 0;
        }
        for (Key key : doomed) {
            byScope.remove(key.scope());
            byId.remove(key.id());
        }
        save();
        return doomed.size();
    }

    private Key key(String scope) {
        Key key = byScope.get(scope);
        return key != null ? key : create(scope);
    }

    private synchronized Key create(String scope) {
        Key existing = byScope.get(scope);
        if (existing != null) {
            return existing;
        }
        byte[] id = new byte[8];
        byte[] aes = new byte[32];
        random.nextBytes(id);
        random.nextBytes(aes);
        Key key = new Key("k" + HexFormat.of().formatHex(id), scope, new SecretKeySpec(aes, "AES"));
        byScope.put(scope, key);
        byId.put(key.id(), key);
        try {
            save();
        } catch (AuditException e) {
            byScope.remove(scope);
            byId.remove(key.id());
            throw e;
        }
        return key;
    }

    private String seal(Key key, String value) {
        byte[] plain = value.getBytes(StandardCharsets.UTF_8);
        byte[] out = nonced(plain.length);
        try {
            Cipher cipher = CIPHER.get();
            cipher.init(Cipher.ENCRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BITS, out, 0, NONCE));
            cipher.doFinal(plain, 0, plain.length, out, NONCE);
        } catch (GeneralSecurityException e) {
            throw new AuditException("cannot seal an audit value", e);
        }
        return SEALED + key.id() + "." + B64.encodeToString(out);
    }

    private String open(String value) {
        int dot = value.indexOf('.');
        if (!value.startsWith(SEALED) || dot < 0) {
            return value;
        }
        Key key = byId.get(value.substring(1, dot));
        if (key == null) {
            return ERASED;
        }
        try {
            byte[] sealed = B64D.decode(value.substring(dot + 1));
            Cipher cipher = CIPHER.get();
            cipher.init(Cipher.DECRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
            return new String(cipher.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return ERASED;
        }
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            for (JsonNode node : root.path("keys")) {
                String scope = new String(unwrap(node.path("scope").asText()), StandardCharsets.UTF_8);
                Key key = new Key(
                        node.path("id").asText(),
                        scope,
                        new SecretKeySpec(unwrap(node.path("key").asText()), "AES"));
                byScope.put(scope, key);
                byId.put(key.id(), key);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new AuditException("cannot read the audit keys in " + file + " (wrong signing key?)", e);
        }
    }

    private void save() {
        List<Map<String, String>> keys = new ArrayList<>();
        for (Key key : byScope.values()) {
            keys.add(Map.of(
                    "id",
                    key.id(),
                    "scope",
                    wrapped(key.scope().getBytes(StandardCharsets.UTF_8)),
                    "key",
                    wrapped(key.aes().getEncoded())));
        }
        try {
            AuditFiles.replaceDurably(file, JSON.writeValueAsString(Map.of("format", 1, "keys", keys)) + "\n");
        } catch (IOException e) {
            throw new AuditException("cannot write the audit keys in " + file, e);
        }
    }

    private String wrapped(byte[] plain) {
        byte[] out = nonced(plain.length);
        try {
            Cipher cipher = newCipher();
            cipher.init(Cipher.ENCRYPT_MODE, wrap, new GCMParameterSpec(TAG_BITS, out, 0, NONCE));
            cipher.doFinal(plain, 0, plain.length, out, NONCE);
        } catch (GeneralSecurityException e) {
            throw new AuditException("cannot wrap an audit key", e);
        }
        return B64.encodeToString(out);
    }

    private byte[] unwrap(String text) throws GeneralSecurityException {
        byte[] sealed = B64D.decode(text);
        Cipher cipher = newCipher();
        cipher.init(Cipher.DECRYPT_MODE, wrap, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
        return cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
    }

    /**
     * An output buffer for {@code length} plain bytes, starting with a nonce never used before in this process: one
     * of 64 random 8-byte prefixes drawn at start (the next one each time the 4-byte counter after it wraps) and the
     * counter; another process draws other prefixes.
     * Cheaper than drawing 12 random bytes per value from a shared {@code SecureRandom}, which appenders contend on.
     */
    private byte[] nonced(int length) {
        byte[] out = new byte[NONCE + length + TAG_BITS / 8];
        long count = counter.getAndIncrement();
        if ((count >>> 32) >= prefixes.length()) {
            throw new AuditException("more audit values sealed in one process than nonces drawn for it; restart");
        }
        long prefix = prefixes.get((int) (count >>> 32));
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (prefix >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            out[8 + i] = (byte) (count >>> (24 - 8 * i));
        }
        return out;
    }

    private static java.util.concurrent.atomic.AtomicLongArray randomPrefixes(SecureRandom random) {
        java.util.concurrent.atomic.AtomicLongArray prefixes = new java.util.concurrent.atomic.AtomicLongArray(64);
        for (int i = 0; i < prefixes.length(); i++) {
            prefixes.set(i, random.nextLong());
        }
        return prefixes;
    }

    private static byte[] derive(byte[] seed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(seed, "HmacSHA256"));
            return mac.doFinal("magicode audit key wrapping v1".getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new AuditException("the JVM has no HmacSHA256", e);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM has no AES-GCM", e);
        }
    }
}
