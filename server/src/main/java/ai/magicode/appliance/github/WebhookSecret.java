package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.SecretInfo;
import ai.magicode.appliance.secrets.Vault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * The webhook secret, kept in the vault as the platform secret {@value #NAME}: imported there from the operator's
 * mounted file at startup (or written by the App manifest flow). The MAC key made from it is kept in memory and made
 * again whenever the vault's metadata of the secret changes (a new version, deletion, re-creation), so that a
 * replaced secret takes effect without a restart while a delivery costs no unsealing.
 */
public final class WebhookSecret {
    /** The vault name of the webhook secret. */
    public static final String NAME = GitHubApp.WEBHOOK_SECRET;

    private final Vault vault;
    private volatile Cached cached;

    /** The key made from the secret version that {@code info} describes. */
    private record Cached(SecretInfo info, WebhookSignature.Key key) {}

    public WebhookSecret(Vault vault) {
        this.vault = vault;
    }

    /**
     * Imports the secret from {@code file} into the vault when it differs from the vault's value (a new version,
     * audited by the vault). A trailing line break in the file is not part of the secret.
     *
     * @throws WebhookException when the file cannot be read or is empty
     */
    public void importFile(Path file) {
        byte[] value;
        try {
            value = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new WebhookException("Cannot read github.webhook-secret-file " + file + ": "
                    + e.getClass().getSimpleName());
        }
        int end = value.length;
        while (end > 0 && (value[end - 1] == '\n' || value[end - 1] == '\r')) {
            end--;
        }
        byte[] secret = Arrays.copyOf(value, end);
        Arrays.fill(value, (byte) 0);
        if (secret.length == 0) {
            throw new WebhookException("github.webhook-secret-file " + file + " is empty");
        }
        try {
            Optional<byte[]> current = vault.read(AuditEvent.PLATFORM, NAME);
            boolean same = current.map(c -> MessageDigest.isEqual(c, secret)).orElse(false);
            current.ifPresent(c -> Arrays.fill(c, (byte) 0));
            if (!same) {
                vault.put(AuditEvent.PLATFORM, NAME, secret, Actor.system(), "-");
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The current secret; the caller zeroes it after use. Empty while none is configured. */
    public Optional<byte[]> current() {
        return vault.read(AuditEvent.PLATFORM, NAME);
    }

    /**
     * The MAC key of the current secret, unsealed from the vault only when the secret changed since the last call
     * (its metadata, fingerprint included, differs). Empty while none is configured.
     */
    public Optional<WebhookSignature.Key> key() {
        Optional<SecretInfo> info = vault.info(AuditEvent.PLATFORM, NAME);
        if (info.isEmpty()) {
            cached = null;
            return Optional.empty();
        }
        Cached known = cached;
        if (known != null && known.info().equals(info.get())) {
            return Optional.of(known.key());
        }
        // Read after the metadata: the value is at least as new as it, and a newer one is re-read on the next call.
        Optional<byte[]> value = current();
        if (value.isEmpty()) {
            cached = null;
            return Optional.empty();
        }
        try {
            WebhookSignature.Key key = WebhookSignature.Key.of(value.get());
            cached = new Cached(info.get(), key);
            return Optional.of(key);
        } finally {
            Arrays.fill(value.get(), (byte) 0);
        }
    }
}
