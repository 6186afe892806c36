package ai.magicode.appliance.git;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * How fetches and pushes reach the Git server over HTTP(S): the CA bundle trusted instead of the JVM's (a GitHub
 * Enterprise Server behind a company CA) and an HTTP proxy with its exceptions — the same settings the REST client
 * uses ({@code github.ca-bundle-file}, {@code github.proxy}, {@code github.no-proxy}), applied per transport, never
 * JVM-wide.
 *
 * @param trust the trust managers of the CA bundle; empty: the JVM's
 * @param proxy the proxy for every host not in {@code noProxy}
 * @param noProxy host names, or {@code .suffix}es, reached directly
 */
public record HttpSettings(Optional<TrustManager[]> trust, Optional<Proxy> proxy, List<String> noProxy) {
    /** The JVM's trust and no proxy. */
    public static final HttpSettings DIRECT = new HttpSettings(Optional.empty(), Optional.empty(), List.of());

    public HttpSettings {
        noProxy = List.copyOf(noProxy);
    }

    /**
     * Settings from a PEM CA bundle file and a proxy URL ({@code http://host:port}).
     *
     * @throws GitException naming the file when it holds no certificate or cannot be read
     */
    public static HttpSettings of(Optional<Path> caBundle, Optional<URI> proxy, List<String> noProxy) {
        return new HttpSettings(
                caBundle.map(HttpSettings::trusting),
                proxy.map(uri -> new Proxy(
                        Proxy.Type.HTTP,
                        InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 80))),
                noProxy);
    }

    private static TrustManager[] trusting(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new GitException("The CA bundle " + file + " holds no certificate", null);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new GitException(
                    "The CA bundle " + file + " cannot be read as PEM certificates: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** Applies the settings to each HTTP transport a fetch or push opens. */
    TransportConfigCallback callback() {
        return this::configure;
    }

    void configure(Transport transport) {
        if (transport instanceof TransportHttp http && (trust.isPresent() || proxy.isPresent())) {
            http.setHttpConnectionFactory(new Connections());
        }
    }

    private boolean direct(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return noProxy.stream()
                .map(n -> n.toLowerCase(Locale.ROOT))
                .anyMatch(n -> n.startsWith(".") ? h.endsWith(n) : h.equals(n));
    }

    /** JGit's JDK connections, with our proxy choice and our trust for HTTPS. */
    private final class Connections extends JDKHttpConnectionFactory {
        @Override
        public HttpConnection create(URL url, Proxy selected) throws IOException {
            Proxy chosen = proxy.isEmpty() ? selected : direct(url.getHost()) ? Proxy.NO_PROXY : proxy.get();
            HttpConnection connection = super.create(url, chosen);
            if (trust.isPresent() && "https".equalsIgnoreCase(url.getProtocol())) {
                try {
                    ((JDKHttpConnection) connection).configure(null, trust.get(), null);
                } catch (GeneralSecurityException e) {
                    throw new IOException(
                            "Cannot apply the CA bundle: " + e.getClass().getSimpleName(), e);
                }
            }
            return connection;
        }
    }
}
