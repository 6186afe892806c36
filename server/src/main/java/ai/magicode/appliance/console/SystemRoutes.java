package ai.magicode.appliance.console;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.llm.Redactor;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code /api/v1/system} for superadmins: the version, uptime and storage use per data-dir area; {@code POST
 * …/system/backup} writes a consistent backup (the store, with the vault's sealed secrets, and a verified copy of the
 * audit log; never the master key) into a new directory under {@code console.backup-dir}; {@code GET
 * …/system/support-bundle} answers a zip for support: versions, the configuration with secret-looking values removed,
 * health, storage, the recent log lines and a thread dump, every text passed through the redactor.
 */
public final class SystemRoutes implements HttpService {
    private static final Set<Role> SUPERADMINS = Set.of(Role.SUPERADMIN);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    /** A configuration component whose name says it holds a secret (not a path to one): its value is removed. */
    private static final Pattern SECRET_COMPONENT = Pattern.compile(
            "\\b(\\w*(?:[Ss]ecret|[Pp]assword|[Tt]oken|[Aa]piKey|[Cc]redential)(?!\\w*(?:File|Files|Dir))\\w*)=([^,\\]]*)");

    /**
     * What the page shows about the appliance.
     *
     * @param version the appliance's version
     * @param schemaVersion the store's schema version
     * @param dataDir the data directory
     * @param backupDir where backups are written
     * @param startedAt when the process started
     * @param configuration the effective configuration as text (redacted before it leaves)
     */
    public record Facts(
            String version, int schemaVersion, Path dataDir, Path backupDir, Instant startedAt, String configuration) {}

    private final Facts facts;
    private final Function<Path, Map<String, Object>> backup;
    private final Supplier<List<Map<String, Object>>> health;
    private final RecentLog log;
    private final Consumer<AuditEvent> audit;
    private final Redactor redactor = new Redactor();
    private final Clock clock;

    /**
     * @param backup writes a consistent backup into a new directory and describes it
     * @param health the health checks, as {@code /observe/health} reports them
     */
    public SystemRoutes(
            Facts facts,
            Function<Path, Map<String, Object>> backup,
            Supplier<List<Map<String, Object>>> health,
            RecentLog log,
            Consumer<AuditEvent> audit) {
        this.facts = facts;
        this.backup = backup;
        this.health = health;
        this.log = log;
        this.audit = audit;
        this.clock = Clock.systemUTC();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/system", Access.roles(SUPERADMINS, this::system))
                .post("/system/backup", Access.roles(SUPERADMINS, this::backup))
                .get("/system/support-bundle", Access.roles(SUPERADMINS, this::supportBundle));
    }

    private void system(ServerRequest req, ServerResponse res) {
        res.send(describe());
    }

    private Map<String, Object> describe() {
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", facts.version());
        body.put("storeSchemaVersion", facts.schemaVersion());
        body.put("java", Runtime.version().toString());
        body.put("startedAt", facts.startedAt().toString());
        body.put("uptimeSeconds", Duration.between(facts.startedAt(), now).toSeconds());
        body.put("dataDir", facts.dataDir().toString());
        body.put("backupDir", facts.backupDir().toString());
        body.put("storage", storage());
        try {
            body.put("freeBytes", Files.getFileStore(facts.dataDir()).getUsableSpace());
        } catch (IOException e) {
            body.put("freeBytes", null);
        }
        return body;
    }

    /** Bytes and files under each top-level entry of the data dir (store, audit, index, workspaces, …). */
    private List<Map<String, Object>> storage() {
        List<Map<String, Object>> areas = new ArrayList<>();
        try (Stream<Path> entries = Files.list(facts.dataDir())) {
            for (Path entry : entries.sorted().toList()) {
                long[] totals = size(entry);
                Map<String, Object> area = new LinkedHashMap<>();
                area.put("area", entry.getFileName().toString());
                area.put("bytes", totals[0]);
                area.put("files", totals[1]);
                areas.add(area);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data dir", e);
        }
        return areas;
    }

    private static long[] size(Path root) {
        long[] totals = new long[2];
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    totals[0] += attributes.size();
                    totals[1]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // A workspace deleted while we count, or a socket: skip it.
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Counted what could be read.
        }
        return totals;
    }

    private void backup(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        Path target = facts.backupDir().resolve("backup-" + STAMP.format(clock.instant()));
        AuditEvent.Builder event = AuditEvent.of("system.backup", target.toString())
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req));
        if (Files.exists(target)) {
            audit.accept(event.field("problem", "exists").failure());
            throw ApiException.conflict("A backup is being written at this moment; try again.");
        }
        Map<String, Object> written;
        try {
            Files.createDirectories(facts.backupDir());
            written = backup.apply(target);
        } catch (IOException | RuntimeException e) {
            audit.accept(event.field("problem", e.getClass().getSimpleName()).failure());
            throw ApiException.unavailable("The backup could not be written to " + facts.backupDir() + " ("
                    + e.getClass().getSimpleName() + "); see the server log.");
        }
        audit.accept(event.field("bytes", written.get("bytes")).success());
        res.status(io.helidon.http.Status.CREATED_201).send(written);
    }

    private void supportBundle(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        byte[] zip = bundle();
        audit.accept(AuditEvent.of("system.support-bundle", "-")
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .field("bytes", zip.length)
                .success());
        res.header(HeaderNames.CONTENT_TYPE, "application/zip")
                .header(
                        HeaderNames.CONTENT_DISPOSITION,
                        "attachment; filename=\"magicode-support-" + STAMP.format(clock.instant()) + ".zip\"")
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .send(zip);
    }

    /** The support bundle: each entry redacted as text before it is written. */
    byte[] bundle() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(
                "README.txt",
                "MagiCode Appliance support bundle, " + clock.instant() + ".\n"
                        + "Configuration values that hold secrets are removed, and every file was passed through the"
                        + " appliance's redactor (tokens, keys, passwords, e-mail addresses). No source code, no"
                        + " secrets from the vault, no audit entries.\n");
        entries.put("system.json", json(describe()));
        entries.put("configuration.txt", configuration());
        entries.put("health.json", json(health.get()));
        entries.put("log.txt", String.join("\n", log.lines()) + "\n");
        entries.put("threads.txt", threads());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(redactor.redact(entry.getValue()).text().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The configuration, one component a line, with the values of secret-looking components removed. */
    String configuration() {
        Matcher matcher = SECRET_COMPONENT.matcher(facts.configuration());
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(1) + "=[REMOVED]"));
        }
        matcher.appendTail(out);
        return out.toString().replace(", ", ",\n  ") + "\n";
    }

    private static String threads() {
        StringBuilder out = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false, 24)) {
            out.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            out.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                out.append("    at ").append(frame).append('\n');
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
