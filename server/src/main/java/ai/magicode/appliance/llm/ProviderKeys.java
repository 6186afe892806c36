package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.secrets.Vault;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * Provider API keys in the vault, under the appliance's own tenant as {@code llm.<provider>.api-key}: imported at
 * startup from the mounted {@code llm.<provider>.api-key-file} (only when the value changed, so restarts add no
 * versions), read when a model is built.
 */
public final class ProviderKeys {
    /** Provider keys are the appliance's own secrets, in the vault tenant no caller can name. */
    static final String APPLIANCE = Vault.APPLIANCE;

    private ProviderKeys() {}

    /** The vault name of {@code provider}'s key. */
    static String secretName(String provider) {
        return "llm." + provider + ".api-key";
    }

    /**
     * Imports the key files of enabled providers into the vault.
     *
     * @throws LlmException naming the key (never its value) when a file cannot be read or is empty
     */
    public static void importKeys(LlmConfig config, Vault vault) {
        for (LlmConfig.Provider provider : config.providers().values()) {
            if (provider.apiKeyFile().isEmpty()) {
                continue;
            }
            byte[] value;
            try {
                value = Files.readString(provider.apiKeyFile().get(), StandardCharsets.UTF_8)
                        .strip()
                        .getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new LlmException(
                        LlmException.Kind.INVALID,
                        "llm." + provider.name() + ".api-key-file "
                                + provider.apiKeyFile().get() + " cannot be read: "
                                + e.getClass().getSimpleName());
            }
            if (value.length == 0) {
                throw new LlmException(
                        LlmException.Kind.INVALID,
                        "llm." + provider.name() + ".api-key-file "
                                + provider.apiKeyFile().get() + " is empty");
            }
            String name = secretName(provider.name());
            Optional<byte[]> stored = vault.read(APPLIANCE, name);
            if (stored.isEmpty() || !Arrays.equals(stored.get(), value)) {
                vault.put(APPLIANCE, name, value, Actor.system(), "-");
            }
            stored.ifPresent(bytes -> Arrays.fill(bytes, (byte) 0));
            Arrays.fill(value, (byte) 0);
        }
    }

    /** Reads a provider's key from the vault, by provider name. */
    public static Function<String, Optional<String>> from(Vault vault) {
        return provider -> vault.read(APPLIANCE, secretName(provider)).map(bytes -> {
            String key = new String(bytes, StandardCharsets.UTF_8);
            Arrays.fill(bytes, (byte) 0);
            return key;
        });
    }
}
