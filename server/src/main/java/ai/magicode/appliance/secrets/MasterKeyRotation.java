package ai.magicode.appliance.secrets;

/**
 * The outcome of re-wrapping the vault under a new master key.
 *
 * @param previousKeyId the id of the key that no longer opens the vault
 * @param newKeyId the id of the key that now does
 * @param rewrappedKeys how many data keys were re-wrapped (payloads are not re-encrypted)
 * @param notice what the operator has to do now, or empty
 */
public record MasterKeyRotation(String previousKeyId, String newKeyId, int rewrappedKeys, String notice) {}
