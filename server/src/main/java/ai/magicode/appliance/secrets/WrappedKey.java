package ai.magicode.appliance.secrets;

/**
 * A key encrypted under a master key (AES-256-GCM, associated data: the master key's id), as stored.
 *
 * @param masterKeyId the fingerprint of the master key that wrapped it
 * @param nonce the 96-bit GCM nonce
 * @param ciphertext the encrypted key with its tag
 */
record WrappedKey(String masterKeyId, byte[] nonce, byte[] ciphertext) {}
