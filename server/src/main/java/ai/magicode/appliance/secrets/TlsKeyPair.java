package ai.magicode.appliance.secrets;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/** A private key with its certificate chain (leaf first), as the web server's TLS needs it. */
public record TlsKeyPair(PrivateKey privateKey, List<X509Certificate> chain) {
    public TlsKeyPair {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("A TLS key pair needs at least one certificate");
        }
    }

    /** The certificate whose public key belongs to {@link #privateKey()}. */
    public X509Certificate leaf() {
        return chain.getFirst();
    }

    // The default record toString would print the key object; say only what it is.
    @Override
    public String toString() {
        return "TlsKeyPair[" + privateKey.getAlgorithm() + " key, leaf "
                + leaf().getSubjectX500Principal().getName() + ", chain of " + chain.size() + "]";
    }
}
