package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.GitHubConfig;
import ai.magicode.appliance.secrets.RsaKeys;
import ai.magicode.appliance.secrets.Vault;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The registered GitHub App: its id (configuration, or the vault after the manifest flow) and its private key (the
 * vault, imported from {@code github.private-key-file}); mints the App JWT, cached until a minute before it expires.
 */
public final class GitHubApp {
    /** Vault names of the App's registration (platform tenant). */
    public static final String APP_ID_SECRET = "github.app-id";

    public static final String PRIVATE_KEY_SECRET = "github.app-private-key";
    public static final String WEBHOOK_SECRET = "github.webhook-secret";
    public static final String CLIENT_ID_SECRET = "github.client-id";
    public static final String CLIENT_SECRET_SECRET = "github.client-secret";
    /** The tenant the App's secrets belong to: the platform (one App serves every tenant). */
    public static final String TENANT = AuditEvent.PLATFORM;

    private static final String KEY_NAME = "GitHub App private key";

    private final GitHubConfig config;
    private final Vault vault;
    private final Clock clock;
    private String jwt;
    private Instant jwtRenewAt = Instant.MIN;

    public GitHubApp(GitHubConfig config, Vault vault) {
        this(config, vault, Clock.systemUTC());
    }

    GitHubApp(GitHubConfig config, Vault vault, Clock clock) {
        this.config = config;
        this.vault = vault;
        this.clock = clock;
    }

    /**
     * Imports {@code github.private-key-file} into the vault when it is set and differs from the stored key; checks
     * that it is a usable RSA key first, so a bad file stops the start with a message that names the file only.
     */
    public void importConfiguredKey() {
        Optional<Path> file = config.privateKeyFile();
        if (file.isEmpty()) {
            return;
        }
        byte[] pem;
        try {
            pem = Files.readAllBytes(file.get());
        } catch (IOException e) {
            throw new GitHubException("github.private-key-file " + file.get() + " cannot be read: "
                    + e.getClass().getSimpleName());
        }
        try {
            RsaKeys.parse(KEY_NAME + " (github.private-key-file " + file.get() + ")", pem);
            byte[] current = vault.read(TENANT, PRIVATE_KEY_SECRET).orElse(new byte[0]);
            boolean same = Arrays.equals(current, pem);
            Arrays.fill(current, (byte) 0);
            if (!same) {
                vault.put(TENANT, PRIVATE_KEY_SECRET, pem, Actor.system(), "-");
            }
        } finally {
            Arrays.fill(pem, (byte) 0);
        }
    }

    /**
     * Stores what GitHub's manifest conversion answered: the App id, private key, webhook secret and client
     * credentials go into the vault (platform tenant); nothing of it is logged or kept elsewhere. The key is checked
     * first, so a bad answer leaves nothing half-written.
     *
     * @return the new App's id
     */
    public long register(JsonNode registration, Actor actor, String requestId) {
        long id = registration.path("id").asLong(0);
        String pem = registration.path("pem").asText("");
        if (id <= 0 || pem.isEmpty()) {
            throw new GitHubException("GitHub's manifest conversion answered without an App id or key");
        }
        RsaKeys.parse("The new App's private key", pem.getBytes(StandardCharsets.US_ASCII));
        put(PRIVATE_KEY_SECRET, pem, actor, requestId);
        put(APP_ID_SECRET, Long.toString(id), actor, requestId);
        put(WEBHOOK_SECRET, registration.path("webhook_secret").asText(""), actor, requestId);
        put(CLIENT_ID_SECRET, registration.path("client_id").asText(""), actor, requestId);
        put(CLIENT_SECRET_SECRET, registration.path("client_secret").asText(""), actor, requestId);
        forgetJwt();
        return id;
    }

    /**
     * Stores an App the admin created on GitHub by hand: its id, private key and webhook secret go into the vault
     * (platform tenant). Everything is checked first (the key parses as RSA, the secret is not empty), so a bad
     * entry leaves nothing half-written.
     *
     * @throws GitHubException naming what is wrong, never a value
     */
    public void enter(long id, String pem, String webhookSecret, Actor actor, String requestId) {
        if (config.appId().isPresent()) {
            throw new GitHubException("The App id is set by github.app-id in the configuration; change it there");
        }
        if (id <= 0) {
            throw new GitHubException("The App id must be a positive number");
        }
        if (webhookSecret.isBlank()) {
            throw new GitHubException("The webhook secret is empty");
        }
        try {
            RsaKeys.parse("The App's private key", pem.getBytes(StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            throw new GitHubException("The private key is not a PEM RSA private key");
        }
        put(PRIVATE_KEY_SECRET, pem.strip() + "\n", actor, requestId);
        put(APP_ID_SECRET, Long.toString(id), actor, requestId);
        put(WEBHOOK_SECRET, webhookSecret.strip(), actor, requestId);
        forgetJwt();
    }

    private void put(String name, String value, Actor actor, String requestId) {
        if (value.isEmpty()) {
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try {
            vault.put(TENANT, name, bytes, actor, requestId);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Whether an App id and a key are known, i.e. the appliance can talk to GitHub as the App. */
    public boolean registered() {
        return appId().isPresent() && vault.info(TENANT, PRIVATE_KEY_SECRET).isPresent();
    }

    /** The App id: configured, else stored by the manifest flow. */
    public OptionalLong appId() {
        if (config.appId().isPresent()) {
            return config.appId();
        }
        return vault.read(TENANT, APP_ID_SECRET)
                .map(bytes -> OptionalLong.of(Long.parseLong(new String(bytes, StandardCharsets.US_ASCII).trim())))
                .orElse(OptionalLong.empty());
    }

    /** The {@code Authorization} value for App-level calls: {@code Bearer <jwt>}. */
    synchronized String authorization() {
        Instant now = clock.instant();
        if (jwt == null || !now.isBefore(jwtRenewAt)) {
            long id = appId().orElseThrow(() -> new GitHubException(
                    "The GitHub App is not registered: set github.app-id and github.private-key-file, or run the"
                            + " manifest flow"));
            byte[] pem = vault.read(TENANT, PRIVATE_KEY_SECRET)
                    .orElseThrow(() -> new GitHubException("The GitHub App's private key is not in the vault"));
            RSAPrivateKey key;
            try {
                key = RsaKeys.parse(KEY_NAME, pem);
            } finally {
                Arrays.fill(pem, (byte) 0);
            }
            jwt = AppJwt.create(id, key, now);
            jwtRenewAt = now.plus(AppJwt.LIFETIME).minus(Duration.ofMinutes(1));
        }
        return "Bearer " + jwt;
    }

    /** Forgets the cached JWT (after the key changed). */
    private synchronized void forgetJwt() {
        jwt = null;
    }
}
