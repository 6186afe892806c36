package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webhook secret's in-memory key follows every change of the secret in the vault. */
class WebhookSecretTest {
    private static final byte[] BODY = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FIRST = "first secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECOND = "second secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void reusesTheKeyWhileTheSecretIsUnchanged() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Vault vault = Vault.open(store, MasterKeySource.file(dir), event -> {});
            put(vault, FIRST);
            WebhookSecret secret = new WebhookSecret(vault);
            assertSame(secret.key().orElseThrow(), secret.key().orElseThrow());
        }
    }

    @Test
    void verifiesWithTheNewSecretOnlyOnceTheSecretIsRotated() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Vault vault = Vault.open(store, MasterKeySource.file(dir), event -> {});
            WebhookSecret secret = new WebhookSecret(vault);
            assertTrue(secret.key().isEmpty());
            put(vault, FIRST);
            assertTrue(verifies(secret, FIRST));
            put(vault, SECOND);
            assertTrue(verifies(secret, SECOND));
            assertFalse(verifies(secret, FIRST));
            vault.delete(AuditEvent.PLATFORM, WebhookSecret.NAME, Actor.system(), "-");
            assertTrue(secret.key().isEmpty());
            put(vault, FIRST);
            assertTrue(verifies(secret, FIRST));
            assertFalse(verifies(secret, SECOND));
        }
    }

    private static boolean verifies(WebhookSecret secret, byte[] signedWith) {
        return WebhookSignature.verify(secret.key().orElseThrow(), BODY, WebhookSignature.sign(signedWith, BODY));
    }

    private static void put(Vault vault, byte[] value) {
        vault.put(AuditEvent.PLATFORM, WebhookSecret.NAME, value.clone(), Actor.system(), "-");
    }
}
