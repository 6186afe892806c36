package ai.magicode.appliance.secrets;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The vault's store section: ciphertexts, wrapped keys, nonces and metadata, never a plaintext. Both fields are
 * replaced, never mutated, and stored together, so each change (a rotation included) is one atomic store commit.
 */
final class VaultState {
    /**
     * The vault-internal fingerprint key, wrapped by the master key. Unwrapping it at open proves that the master
     * key is the right one; {@code null} until the vault is first opened.
     */
    WrappedKey fingerprintKey;

    /** Secrets by {@link #key(String, String)}. */
    HashMap<String, SecretRecord> secrets = new HashMap<>();

    static String key(String tenant, String name) {
        return tenant.length() + ":" + tenant + "/" + name;
    }

    /**
     * One secret of a tenant with its versions, oldest first.
     *
     * @param id random id of this secret, bound into every version's associated data
     * @param versions never mutated after construction
     */
    record SecretRecord(String id, String tenant, String name, Instant created, ArrayList<SealedVersion> versions) {
        SealedVersion current() {
            return versions.getLast();
        }

        SecretRecord withVersions(List<SealedVersion> replaced) {
            return new SecretRecord(id, tenant, name, created, new ArrayList<>(replaced));
        }
    }

    /**
     * One sealed version: AES-256-GCM under its own data key, which is wrapped by the master key.
     *
     * @param fingerprint HMAC-SHA256 prefix under the vault-internal key, for the list
     */
    record SealedVersion(
            int version, Instant created, byte[] nonce, byte[] ciphertext, WrappedKey key, String fingerprint) {
        SealedVersion withKey(WrappedKey rewrapped) {
            return new SealedVersion(version, created, nonce, ciphertext, rewrapped, fingerprint);
        }
    }
}
