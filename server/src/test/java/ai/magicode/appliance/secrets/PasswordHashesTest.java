package ai.magicode.appliance.secrets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHashesTest {
    @Test
    void verifiesTheRightPasswordOnly() {
        String hash = PasswordHashes.hash("correct horse".toCharArray());
        assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
        assertTrue(PasswordHashes.verify("correct horse".toCharArray(), hash));
        assertFalse(PasswordHashes.verify("correct horse ".toCharArray(), hash));
    }

    @Test
    void saltsEachHash() {
        assertNotEquals(PasswordHashes.hash("pw".toCharArray()), PasswordHashes.hash("pw".toCharArray()));
    }

    @Test
    void refusesMalformedOrHostileEncodings() {
        char[] pw = "pw".toCharArray();
        assertFalse(PasswordHashes.verify(pw, null));
        assertFalse(PasswordHashes.verify(pw, "plain"));
        assertFalse(PasswordHashes.verify(pw, "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA"));
        assertFalse(PasswordHashes.verify(pw, "$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA"));
        assertFalse(PasswordHashes.verify(pw, "$argon2id$v=19$m=19456,t=x,p=1$AAAA$AAAA"));
        assertFalse(PasswordHashes.verify(pw, "$argon2id$v=19$m=19456,t=2,p=1$!!!$AAAA"));
    }
}
