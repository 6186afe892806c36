package ai.magicode.appliance;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.AuditException;
import ai.magicode.appliance.audit.AuditVerifier;
import ai.magicode.appliance.bench.AuditBenchmark;
import ai.magicode.appliance.bench.StartupBenchmark;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.config.ConfigException;
import ai.magicode.appliance.control.ControlClient;
import ai.magicode.appliance.control.ControlException;
import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.index.CodeIndex;
import ai.magicode.appliance.index.Embedder;
import ai.magicode.appliance.index.FileScore;
import ai.magicode.appliance.index.IndexException;
import ai.magicode.appliance.index.IndexStats;
import ai.magicode.appliance.llm.Embeddings;
import ai.magicode.appliance.llm.LlmBenchmark;
import ai.magicode.appliance.secrets.SecretsException;
import ai.magicode.appliance.secrets.TlsCertificates;
import ai.magicode.appliance.secrets.VaultBenchmark;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.Backup;
import ai.magicode.appliance.store.Restore;
import ai.magicode.appliance.store.StoreException;
import ai.magicode.appliance.web.Logging;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * The {@code magicode} command line: {@code serve} (the default), {@code version}, {@code backup},
 * {@code restore}, {@code tls self-signed}, {@code audit verify} and {@code bench}. Exit codes: 0 done, 1 failed, 2 bad
 * configuration or usage.
 */
@Command(
        name = "magicode",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "MagiCode Appliance: self-hosted AI code generation for GitHub Enterprise.",
        subcommands = {
            Main.Serve.class,
            Main.VersionCommand.class,
            Main.BackupCommand.class,
            Main.RestoreCommand.class,
            Main.TlsCommand.class,
            SecretsCommands.class,
            Main.AuditCommand.class,
            Main.LocalizeCommand.class,
            ShipCommands.BundleCommand.class,
            ShipCommands.PreflightCommand.class,
            StartupBenchmark.class
        })
public final class Main implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;

    @Mixin
    ConfigOption configOption;

    public static void main(String[] args) {
        Logging.prepare();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.getSubcommands().get("bench").addSubcommand(new VaultBenchmark());
        cli.getSubcommands().get("bench").addSubcommand(new LlmBenchmark());
        cli.getSubcommands().get("bench").addSubcommand("audit", new AuditBenchmark());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            switch (e) {
                case ConfigException c -> {
                    err.println("Invalid configuration: " + c.getMessage());
                    return BAD_CONFIG;
                }
                case StoreException s -> err.println("Store: " + s.getMessage());
                case ControlException c -> err.println(c.getMessage());
                case SecretsException s -> err.println(s.getMessage());
                case AuditException a -> err.println("Audit log: " + a.getMessage());
                case GitException g -> err.println(g.getMessage());
                case IndexException i -> err.println(i.getMessage());
                case UncheckedIOException io ->
                    err.println(io.getMessage() + ": " + io.getCause().getMessage());
                default -> {
                    err.println("Failed: " + e);
                    e.printStackTrace(err);
                }
            }
            err.flush();
            return FAILED;
        });
        return cli;
    }

    /** With no subcommand, serve. */
    @Override
    public Integer call() {
        Serve serve = new Serve();
        serve.configOption = configOption;
        return serve.call();
    }

    /** {@code --config FILE}, also {@code MAGICODE_CONFIG}. */
    static final class ConfigOption {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description =
                        "YAML configuration file (default: $MAGICODE_CONFIG). Environment variables MAGICODE_… override it.")
        Path file;

        ApplianceConfig load() {
            Map<String, String> env = System.getenv();
            Optional<Path> path = Optional.ofNullable(file)
                    .or(() -> Optional.ofNullable(env.get(ApplianceConfig.CONFIG_FILE_ENV))
                            .filter(s -> !s.isBlank())
                            .map(Path::of));
            return ApplianceConfig.load(path, env);
        }
    }

    @Command(
            name = "serve",
            description = "Start the appliance (the default command).",
            mixinStandardHelpOptions = true)
    static final class Serve implements Callable<Integer> {
        @Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(
                names = "--exit-when-ready",
                description = "Start, answer one round of requests to the own health, version, metrics and OpenAPI"
                        + " endpoints, then stop: a smoke test, and the training run for the JVM's AOT cache.")
        boolean exitWhenReady;

        @Override
        public Integer call() {
            ApplianceConfig config = configOption.load();
            Logging.configure(config.log());
            Appliance appliance = Appliance.create(config);
            WebServer server;
            try {
                server = appliance.start();
            } catch (RuntimeException e) {
                appliance.close();
                throw e;
            }
            if (exitWhenReady) {
                try (appliance) {
                    return server.hasTls() ? OK : selfCheck(server.port());
                }
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runnable stop = () -> {
                appliance.close();
                Logging.shutdown();
                stopped.countDown();
            };
            // TERM and INT shut down in order and exit 0; the hook covers any other exit.
            for (String signal : List.of("TERM", "INT")) {
                Signal.handle(new Signal(signal), s -> {
                    stop.run();
                    System.exit(OK);
                });
            }
            Runtime.getRuntime().addShutdownHook(new Thread(appliance::close, "magicode-shutdown"));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OK;
        }
    }

    /** One round of requests against the own listener; 0 when each answered 200. */
    private static int selfCheck(int port) {
        HttpClient client = HttpClient.newHttpClient();
        int failed = 0;
        for (String path : List.of(
                "/observe/health/ready", "/observe/health", "/api/v1/version", "/observe/metrics", "/openapi")) {
            try {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    System.err.println(path + " answered " + response.statusCode());
                    failed++;
                }
            } catch (IOException e) {
                System.err.println(path + " failed: " + e.getMessage());
                failed++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FAILED;
            }
        }
        return failed == 0 ? OK : FAILED;
    }

    @Command(
            name = "localize",
            mixinStandardHelpOptions = true,
            description = "Index a Git repository at a commit (reusing the index when it can) and print the files most"
                    + " likely to need a change for the issue text in FILE, as JSON, best first.")
    static final class LocalizeCommand implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Work tree or bare repository.")
        Path repo;

        @Option(names = "--rev", required = true, paramLabel = "SHA", description = "Commit to index and search.")
        String rev;

        @Option(names = "--query-file", required = true, paramLabel = "FILE", description = "The issue text.")
        Path queryFile;

        @Option(names = "--top", defaultValue = "10", paramLabel = "K", description = "Files to print (default: 10).")
        int top;

        @Option(
                names = "--index-dir",
                paramLabel = "DIR",
                description = "Index location (default: $XDG_CACHE_HOME/magicode/index/<hash of the repo path>).")
        Path indexDir;

        @Option(names = "--json", description = "Print JSON (the only output format; accepted for the contract).")
        boolean json;

        @Option(names = "--mode", defaultValue = "hybrid", description = "hybrid (default) or bm25 (lexical baseline).")
        String mode;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            if (!java.nio.file.Files.isRegularFile(queryFile)) {
                err.println("No query file " + queryFile);
                return FAILED;
            }
            if (top < 1) {
                err.println("--top must be at least 1");
                return BAD_CONFIG;
            }
            boolean hybrid = !"bm25".equals(mode);
            String query = java.nio.file.Files.readString(queryFile, java.nio.charset.StandardCharsets.UTF_8);
            try (GitRepository repository = GitRepository.open(repo)) {
                String commit = repository.resolve(rev);
                Embedder embedder = null;
                if (hybrid) {
                    Embeddings embeddings = Embeddings.create();
                    embedder = new Embedder(Embeddings.MODEL, embeddings.dimension(), embeddings::embed);
                }
                Path dir = indexDir != null ? indexDir : CodeIndex.defaultDirectory(repo);
                CodeIndex index = CodeIndex.open(
                        hybrid ? dir : dir.resolve("bm25"), true, CodeIndex.DEFAULT_MAX_FILE_BYTES, embedder);
                IndexStats stats = index.update(repository, commit);
                err.printf(
                        "index %s: %s, %d files, %d chunks, %d embedded, %d vectors reused, skipped %s, %.1f s%n",
                        dir,
                        stats.action(),
                        stats.filesIndexed(),
                        stats.chunksIndexed(),
                        stats.chunksEmbedded(),
                        stats.vectorsReused(),
                        stats.skipped(),
                        stats.totalSeconds());
                List<FileScore> files = index.search(query, top, hybrid);
                var out = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                var array = out.putArray("files");
                for (FileScore file : files) {
                    array.addObject().put("path", file.path()).put("score", file.score());
                }
                spec.commandLine().getOut().println(out);
                spec.commandLine().getOut().flush();
            }
            return OK;
        }
    }

    @Command(name = "version", description = "Print the version.")
    static final class VersionCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("magicode " + Appliance.version());
            return OK;
        }
    }

    @Command(
            name = "backup",
            mixinStandardHelpOptions = true,
            description =
                    "Write a consistent backup of the store to DIR, through the running appliance if there is one.")
    static final class BackupCommand implements Callable<Integer> {
        @Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(
                names = "--to",
                required = true,
                paramLabel = "DIR",
                description = "Empty or new directory for the backup.")
        Path to;

        @Override
        public Integer call() {
            ApplianceConfig config = configOption.load();
            Path target = to.toAbsolutePath().normalize();
            Optional<JsonNode> remote = ControlClient.send(config.dataDir(), "backup", Map.of("to", target.toString()));
            if (remote.isPresent()) {
                JsonNode result = remote.get();
                System.out.println("Backup written by the running appliance to "
                        + result.path("directory").asText() + " ("
                        + result.path("bytes").asLong() + " bytes, schema "
                        + result.path("schemaVersion").asInt() + ")");
                return OK;
            }
            try (DataDir data = DataDir.open(config)) {
                Backup backup = Appliance.backup(data.store(), data.audit(), target);
                System.out.println("Backup written to " + backup.directory() + " (" + backup.bytes() + " bytes, schema "
                        + backup.schemaVersion() + ")");
            }
            return OK;
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description =
                    "Replace the store with a backup; the appliance must be stopped. The current store is kept aside.")
    static final class RestoreCommand implements Callable<Integer> {
        @Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(
                names = "--from",
                required = true,
                paramLabel = "DIR",
                description = "A directory written by magicode backup.")
        Path from;

        @Override
        public Integer call() {
            ApplianceConfig config = configOption.load();
            Path source = from.toAbsolutePath().normalize();
            Restore restore;
            try {
                restore = ApplianceStore.restore(source, config.dataDir());
            } catch (RuntimeException e) {
                auditRestore(
                        config,
                        AuditEvent.of("store.restore", source.toString())
                                .field("error", e.getClass().getSimpleName())
                                .failure());
                throw e;
            }
            auditRestore(
                    config,
                    AuditEvent.of("store.restore", source.toString())
                            .field("schemaVersion", restore.schemaVersion())
                            .field(
                                    "previousStoreMovedTo",
                                    restore.previousStoreMovedTo()
                                            .map(Path::toString)
                                            .orElse("-"))
                            .field("restoredAlongside", String.join(",", restore.restoredAlongside()))
                            .field("keptCurrent", String.join(",", restore.keptCurrent()))
                            .success());
            System.out.println("Restored " + restore.restoredFrom() + " (schema " + restore.schemaVersion() + ") into "
                    + config.dataDir()
                    + restore.previousStoreMovedTo()
                            .map(p -> "; the previous store is kept at " + p)
                            .orElse("")
                    + (restore.restoredAlongside().isEmpty()
                            ? ""
                            : "; also restored: " + String.join(", ", restore.restoredAlongside()))
                    + (restore.keptCurrent().isEmpty()
                            ? ""
                            : "; kept the data dir's own (newer): " + String.join(", ", restore.keptCurrent())));
            return OK;
        }
    }

    /** Restore runs with nothing serving, so the CLI writes the audit entry itself. */
    private static void auditRestore(ApplianceConfig config, AuditEvent event) {
        try (DataDir data = DataDir.open(config)) {
            data.audit().append(event);
        } catch (AuditException e) {
            if (event.outcome() == ai.magicode.appliance.audit.Outcome.SUCCESS) {
                throw e;
            }
            // a refused restore (e.g. the appliance is running and holds the log) changed nothing
        }
    }

    @Command(
            name = "audit",
            description = "The tamper-evident audit log.",
            mixinStandardHelpOptions = true,
            subcommands = AuditVerify.class)
    static final class AuditCommand extends CommandGroup {}

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Check the audit log's hash chain and signed checkpoints (read-only; safe while serving). "
                    + "Exit 0 when all holds, 1 naming the first bad entry.")
    static final class AuditVerify implements Callable<Integer> {
        @Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "Data directory (default: from the configuration).")
        Path dataDir;

        @Option(
                names = "--trust-key",
                paramLabel = "HEX",
                description = "Trust only this Ed25519 public key (hex) instead of DATA_DIR/audit/public-keys.")
        String trustKey;

        @Override
        public Integer call() {
            Path dir = (dataDir != null ? dataDir : configOption.load().dataDir())
                    .toAbsolutePath()
                    .normalize()
                    .resolve(Appliance.AUDIT_DIR);
            if (!java.nio.file.Files.isDirectory(dir)) {
                System.err.println("No audit log at " + dir);
                return FAILED;
            }
            long started = System.nanoTime();
            AuditVerifier.Verification result = AuditVerifier.verify(dir, Optional.ofNullable(trustKey));
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (result.problem().isPresent()) {
                System.out.println("FAILED: " + result.problem().get());
                System.out.println(result.entries() + " entries before it verified.");
                return FAILED;
            }
            System.out.println(
                    "OK: " + result.entries() + " entries (seq " + result.firstSeq() + " to " + result.lastSeq()
                            + ") in " + result.segments() + " segment(s), " + result.checkpoints()
                            + " signed checkpoint(s), verified in " + millis + " ms");
            if (result.unsignedTail() > 0) {
                System.out.println("Note: the last " + result.unsignedTail() + " entries (after seq "
                        + result.lastSignedSeq() + ") are chained but not yet covered by a signed checkpoint; "
                        + "cutting them off would go unnoticed until the next checkpoint.");
            }
            return OK;
        }
    }

    @Command(
            name = "tls",
            description = "TLS key pairs.",
            mixinStandardHelpOptions = true,
            subcommands = TlsSelfSigned.class)
    static final class TlsCommand extends CommandGroup {}

    @Command(
            name = "self-signed",
            mixinStandardHelpOptions = true,
            description = "Write a self-signed certificate and key (cert.pem, key.pem) for the given host names.")
    static final class TlsSelfSigned implements Callable<Integer> {
        @Option(
                names = "--host",
                required = true,
                paramLabel = "H",
                description = "Host name or IP address; repeatable.")
        List<String> hosts;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "tls",
                description = "Output directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--force", description = "Overwrite existing cert.pem and key.pem.")
        boolean force;

        @Override
        public Integer call() {
            TlsCertificates.SelfSigned written = TlsCertificates.selfSigned(hosts, out, force);
            System.out.println("Wrote " + written.certFile() + " and " + written.keyFile() + " (mode 0600)");
            System.out.println("SHA-256 fingerprint: " + written.sha256Fingerprint());
            System.out.println("Valid until: " + written.notAfter());
            System.out.println("Use with: MAGICODE_SERVER_TLS_CERT_FILE="
                    + written.certFile().toAbsolutePath() + " MAGICODE_SERVER_TLS_KEY_FILE="
                    + written.keyFile().toAbsolutePath());
            return OK;
        }
    }

    /** Picocli's {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"magicode " + Appliance.version()};
        }
    }
}
