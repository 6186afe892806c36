package ai.magicode.appliance.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The appliance's whole configuration, typed and validated: read once at startup from the jar's
 * defaults ({@code magicode-defaults.yaml}), an optional operator file and {@code MAGICODE_…} environment variables.
 *
 * @param dataDir where the store, secrets, audit log, indexes and workspaces live
 * @param server the HTTP listener
 * @param observe health and metrics
 * @param log log output
 * @param auth identity: OIDC provider, role mapping, local login
 */
public record ApplianceConfig(
        Path dataDir, ServerConfig server, ObserveConfig observe, LogConfig log, AuthConfig auth) {
    /** Environment variable naming an operator configuration file (same as {@code --config}). */
    public static final String CONFIG_FILE_ENV = "MAGICODE_CONFIG";

    /**
     * Reads and validates the configuration.
     *
     * @param file an operator's YAML file, overriding the defaults
     * @param env the process environment (only {@code MAGICODE_…} names are read)
     * @throws ConfigException naming the first key whose value is unusable
     */
    public static ApplianceConfig load(Optional<Path> file, Map<String, String> env) {
        ConfigValues values = ConfigValues.load(file, env);
        return new ApplianceConfig(
                values.path("data-dir").toAbsolutePath().normalize(),
                ServerConfig.from(values),
                new ObserveConfig(values.integer("observe.min-free-disk-mb", 0, 1L << 40) * 1024 * 1024),
                new LogConfig(
                        values.choice("log.format", LogConfig.Format.class),
                        values.choice("log.level", LogConfig.Level.class)),
                AuthConfig.from(values));
    }

    /** Every configuration key with the environment variable that overrides it, for the docs and their test. */
    public static Map<String, String> environmentNames() {
        List<String> keys = ConfigValues.load(Optional.empty(), Map.of()).keys();
        Map<String, String> names = new java.util.LinkedHashMap<>();
        keys.forEach(key -> names.put(key, ConfigValues.envName(key)));
        return names;
    }

    /**
     * The HTTP listener.
     *
     * @param host address to bind
     * @param port port to bind; 0 picks a free one
     * @param publicUrl the console URL users reach, when it differs from the listener's
     * @param maxRequestBytes largest request body accepted
     * @param shutdownGrace time in-flight requests get after SIGTERM
     * @param tls HTTPS settings
     */
    public record ServerConfig(
            String host,
            int port,
            Optional<URI> publicUrl,
            long maxRequestBytes,
            Duration shutdownGrace,
            TlsConfig tls) {
        static ServerConfig from(ConfigValues values) {
            String host = values.string("server.host");
            if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
                throw values.invalid("server.host", "a host name or IP address to listen on (e.g. 0.0.0.0)");
            }
            return new ServerConfig(
                    host,
                    (int) values.integer("server.port", 0, 65535),
                    publicUrl(values),
                    values.integer("server.max-request-bytes", 1024, Integer.MAX_VALUE),
                    values.duration("server.shutdown-grace", Duration.ZERO, Duration.ofMinutes(10)),
                    new TlsConfig(
                            values.optionalPath("server.tls.cert-file"),
                            values.optionalPath("server.tls.key-file"),
                            values.bool("server.tls.self-signed")));
        }

        private static Optional<URI> publicUrl(ConfigValues values) {
            Optional<String> text = values.optionalString("server.public-url");
            if (text.isEmpty()) {
                return Optional.empty();
            }
            try {
                URI uri = new URI(text.get());
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                // reported below with the expected form
            }
            throw values.invalid("server.public-url", "an absolute http(s) URL such as https://magicode.example.com/");
        }
    }

    /**
     * HTTPS for the listener: an operator's PEM key pair, or a generated self-signed one.
     *
     * @param certFile PEM certificate chain
     * @param keyFile PEM private key
     * @param selfSigned generate a self-signed pair under the data dir when no files are given
     */
    public record TlsConfig(Optional<Path> certFile, Optional<Path> keyFile, boolean selfSigned) {
        public TlsConfig {
            if (certFile.isPresent() != keyFile.isPresent()) {
                String missing = certFile.isPresent() ? "server.tls.key-file" : "server.tls.cert-file";
                throw new ConfigException(
                        missing,
                        missing + " is not set: HTTPS needs both server.tls.cert-file and server.tls.key-file");
            }
        }

        /** Whether the listener speaks HTTPS. */
        public boolean enabled() {
            return certFile.isPresent() || selfSigned;
        }
    }

    /**
     * Health and metrics.
     *
     * @param minFreeDiskBytes readiness fails below this much free space in the data dir
     */
    public record ObserveConfig(long minFreeDiskBytes) {}

    /**
     * Log output.
     *
     * @param format line format
     * @param level lowest level written
     */
    public record LogConfig(Format format, Level level) {
        /** Line formats. */
        public enum Format {
            JSON,
            TEXT
        }

        /** Levels, as operators know them. */
        public enum Level {
            ERROR,
            WARN,
            INFO,
            DEBUG,
            TRACE
        }
    }
}
