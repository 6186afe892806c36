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
 * @param secrets the vault's master key
 * @param audit the audit log
 * @param auth identity: OIDC provider, role mapping, local login
 * @param index code indexes: privacy mode, file size cap, embedding model
 * @param github the GitHub App: server, App id and key, proxy, branch prefix
 * @param webhooks the GitHub webhook inbox
 * @param llm the LLM gateway: providers, air-gapped mode, prices
 * @param agent the agent: triggers, bot identity, concurrency and caps of jobs
 * @param tickets Jira and Linear tickets: poll, webhook limits, call timeout
 * @param console the admin console: where backups go, the support bundle's log lines
 */
public record ApplianceConfig(
        Path dataDir,
        ServerConfig server,
        ObserveConfig observe,
        LogConfig log,
        SecretsConfig secrets,
        AuditConfig audit,
        AuthConfig auth,
        IndexConfig index,
        GitHubConfig github,
        WebhookConfig webhooks,
        LlmConfig llm,
        AgentConfig agent,
        TicketsConfig tickets,
        ConsoleConfig console) {
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
        Path dataDir = values.path("data-dir").toAbsolutePath().normalize();
        return new ApplianceConfig(
                dataDir,
                ServerConfig.from(values),
                new ObserveConfig(values.integer("observe.min-free-disk-mb", 0, 1L << 40) * 1024 * 1024),
                new LogConfig(
                        values.choice("log.format", LogConfig.Format.class),
                        values.choice("log.level", LogConfig.Level.class)),
                SecretsConfig.from(values),
                AuditConfig.from(values),
                AuthConfig.from(values),
                IndexConfig.from(values),
                GitHubConfig.from(values),
                WebhookConfig.from(values),
                LlmConfig.from(values),
                AgentConfig.from(values),
                TicketsConfig.from(values),
                ConsoleConfig.from(values, dataDir));
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

    /**
     * Where the vault's master key comes from; the key itself never passes through the configuration.
     *
     * @param masterKeySource which source
     * @param masterKeyEnv the environment variable holding the base64 key, for {@code env}
     * @param masterKeyFile the mounted file holding the base64 key, for {@code mounted-file}
     */
    public record SecretsConfig(MasterKeySource masterKeySource, String masterKeyEnv, Optional<Path> masterKeyFile) {
        /** Master-key sources. */
        public enum MasterKeySource {
            /** {@code DATA_DIR/secrets/master.key}, created on first start. */
            FILE,
            /** An environment variable. */
            ENV,
            /** A read-only file, e.g. a Kubernetes Secret mount. */
            MOUNTED_FILE
        }

        static SecretsConfig from(ConfigValues values) {
            String source = values.string("secrets.master-key-source");
            MasterKeySource chosen = switch (source) {
                case "file" -> MasterKeySource.FILE;
                case "env" -> MasterKeySource.ENV;
                case "mounted-file" -> MasterKeySource.MOUNTED_FILE;
                default -> throw values.invalid("secrets.master-key-source", "file, env or mounted-file");
            };
            String env = values.string("secrets.master-key-env");
            if (!env.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw values.invalid(
                        "secrets.master-key-env", "an environment variable name such as MAGICODE_MASTER_KEY");
            }
            Optional<Path> file = values.optionalPath("secrets.master-key-file");
            if (chosen == MasterKeySource.MOUNTED_FILE && file.isEmpty()) {
                throw values.invalid(
                        "secrets.master-key-file",
                        "the path of the mounted key file when secrets.master-key-source is" + " mounted-file");
            }
            return new SecretsConfig(chosen, env, file);
        }
    }

    /**
     * The audit log: segments, signed checkpoints, integrity checks, retention and forwarding.
     *
     * @param segmentBytes a segment is closed and a new one started beyond this size
     * @param checkpointEvery entries between two signed checkpoints
     * @param integrityCheckInterval how often the whole log is verified in the background; zero: only at start
     * @param retentionMaxAge segments whose newest entry is older are deleted; zero: kept forever
     * @param retentionMaxBytes oldest segments are deleted while the log is larger; zero: no limit
     * @param forward streaming to an external collector
     */
    public record AuditConfig(
            long segmentBytes,
            int checkpointEvery,
            Duration integrityCheckInterval,
            Duration retentionMaxAge,
            long retentionMaxBytes,
            ForwardConfig forward) {
        /** Defaults for tests and tools that open a log outside the appliance. */
        public static AuditConfig defaults() {
            return new AuditConfig(16L << 20, 1000, Duration.ZERO, Duration.ZERO, 0, ForwardConfig.none());
        }

        static AuditConfig from(ConfigValues values) {
            Optional<String> syslog = values.optionalString("audit.forward.syslog-address");
            syslog.ifPresent(address -> {
                int colon = address.lastIndexOf(':');
                if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")) {
                    throw values.invalid("audit.forward.syslog-address", "host:port, e.g. logs.example.com:6514");
                }
            });
            Optional<URI> http = values.optionalString("audit.forward.http-url").map(text -> {
                try {
                    URI uri = new URI(text);
                    if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                        return uri;
                    }
                } catch (URISyntaxException e) {
                    // reported below with the expected form
                }
                throw values.invalid("audit.forward.http-url", "an absolute http(s) URL");
            });
            return new AuditConfig(
                    values.integer("audit.segment-mb", 1, 1024) << 20,
                    (int) values.integer("audit.checkpoint-every", 1, 10_000_000),
                    values.duration("audit.integrity-check-interval", Duration.ZERO, Duration.ofDays(365)),
                    values.duration("audit.retention.max-age", Duration.ZERO, Duration.ofDays(36500)),
                    values.integer("audit.retention.max-mb", 0, 1L << 30) << 20,
                    new ForwardConfig(syslog, values.bool("audit.forward.syslog-tls"), http, (int)
                            values.integer("audit.forward.backlog", 1, 10_000_000)));
        }
    }

    /**
     * Where audit entries are streamed, besides the local log.
     *
     * @param syslogAddress {@code host:port} of an RFC 5424 syslog collector over TCP
     * @param syslogTls speak TLS to the syslog collector (trusting the JVM's CA certificates)
     * @param httpUrl a URL that accepts POSTs of JSON arrays of entries
     * @param backlog entries held for a slow or absent collector before the oldest are dropped
     */
    public record ForwardConfig(Optional<String> syslogAddress, boolean syslogTls, Optional<URI> httpUrl, int backlog) {
        /** No forwarding. */
        public static ForwardConfig none() {
            return new ForwardConfig(Optional.empty(), false, Optional.empty(), 10_000);
        }
    }
}
