package ai.magicode.appliance.secrets;

import java.time.Instant;
import java.util.Optional;

/**
 * What may be shown about a secret: never its value.
 *
 * @param name the secret's name within its tenant
 * @param version the current version (1 for a new secret)
 * @param versions how many versions are kept (readable until pruned)
 * @param created when the secret was created
 * @param rotated when the current version replaced an earlier one; empty for version 1
 * @param fingerprint first 16 hex digits of an HMAC-SHA256 of the value under a vault-internal key: equal values
 *     have equal fingerprints within a tenant, yet it cannot be checked against guesses without that key
 */
public record SecretInfo(
        String name, int version, int versions, Instant created, Optional<Instant> rotated, String fingerprint) {}
