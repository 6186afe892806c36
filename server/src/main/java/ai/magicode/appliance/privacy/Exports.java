package ai.magicode.appliance.privacy;

import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Tenant exports and users' own exports: one zip of JSON documents per request, built in the background from every
 * registered kind of tenant data (a tenant's share, or one user's share) into {@code DATA_DIR/exports/<id>.zip},
 * downloadable once with the token handed out at the request, until it expires; expired exports are deleted by
 * {@link #sweep}. Records live in store sections {@code privacy.exports} (tenant) and {@code privacy.user-exports}
 * (a user's own, downloadable by that user only).
 */
public final class Exports implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Exports.class.getName());
    static final String SECTION = "privacy.exports";
    static final String USER_SECTION = "privacy.user-exports";
    static final String DIR = "exports";

    /** Where an export stands. */
    public enum State {
        BUILDING,
        READY,
        DOWNLOADED,
        FAILED
    }

    /**
     * One export (never its token: only the token's SHA-256).
     *
     * @param id random id
     * @param tenant whose data it holds
     * @param requestedBy the actor id who asked (for a user's own export, that user: the only one who may fetch it)
     * @param state where it stands
     * @param kindsDone kinds written so far
     * @param kinds kinds to write
     * @param bytes the archive's size once ready
     * @param createdAt when it was requested
     * @param expiresAt when it (and its download token) expires and is deleted
     * @param tokenSha256 hash of the download token
     */
    public record Export(
            String id,
            String tenant,
            String requestedBy,
            State state,
            int kindsDone,
            int kinds,
            long bytes,
            Instant createdAt,
            Instant expiresAt,
            String tokenSha256) {
        Export with(State next, int done, long size) {
            return new Export(id, tenant, requestedBy, next, done, kinds, size, createdAt, expiresAt, tokenSha256);
        }
    }

    /** An export just requested, with the only copy of its download token. */
    public record Created(Export export, String token) {}

    /** The persistent records by id; replaced, stored as a map. */
    static final class Records {
        final HashMap<String, Export> exports = new HashMap<>();
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApplianceStore store;
    private final Records records;
    private final Records userRecords;
    private final Path dir;
    private final DataInventory inventory;
    private final Function<String, Duration> ttl;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("privacy-export").daemon().factory());

    /**
     * @param store where export records are kept
     * @param dataDir the data dir; archives go to its {@code exports} directory
     * @param inventory the kinds each export holds
     * @param ttl how long a tenant's exports are kept (its retention setting)
     * @param audit receives requests, downloads and deletions
     * @param clock the time source
     */
    public Exports(
            ApplianceStore store,
            Path dataDir,
            DataInventory inventory,
            Function<String, Duration> ttl,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this.store = store;
        this.records = store.section(SECTION, Records.class, Records::new);
        this.userRecords = store.section(USER_SECTION, Records.class, Records::new);
        this.dir = dataDir.resolve(DIR);
        this.inventory = inventory;
        this.ttl = ttl;
        this.audit = audit;
        this.clock = clock;
        for (Records shelf : List.of(records, userRecords)) {
            synchronized (shelf) {
                // An export a previous process was building never finishes: mark it failed (its partial file goes
                // too).
                shelf.exports.replaceAll(
                        (id, e) -> e.state() == State.BUILDING ? e.with(State.FAILED, e.kindsDone(), 0) : e);
                store.store(shelf.exports);
            }
        }
    }

    /** Requests an export of {@code tenant}'s data; it is built in the background. */
    public Created request(String tenant, Actor actor, String requestId) {
        Created created = newExport(tenant, actor.id());
        put(records, created.export());
        audit.accept(AuditEvent.of("privacy.export.request", created.export().id())
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("expiresAt", created.export().expiresAt().toString())
                .success());
        worker.submit(() -> build(records, created.export(), Optional.empty()));
        return created;
    }

    /**
     * Requests an export of what the appliance keeps about {@code user} of {@code tenant} (each kind's
     * {@link TenantData#exportUser} share); only that user can fetch it. It is built in the background.
     *
     * @param profile who the user is as the request showed it (id, roles, how signed in): written as
     *     {@code profile.json}, since an OIDC user's roles are not stored anywhere else
     */
    public Created requestForUser(
            String tenant, String user, Map<String, Object> profile, Actor actor, String requestId) {
        Created created = newExport(tenant, user);
        put(userRecords, created.export());
        audit.accept(AuditEvent.of("privacy.export.request", created.export().id())
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("scope", "user")
                .field("expiresAt", created.export().expiresAt().toString())
                .success());
        Map<String, Object> copy = new LinkedHashMap<>(profile);
        worker.submit(() -> build(userRecords, created.export(), Optional.of(copy)));
        return created;
    }

    private Created newExport(String tenant, String requestedBy) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        Instant now = clock.instant();
        Export export = new Export(
                HexFormat.of().formatHex(id),
                tenant,
                requestedBy,
                State.BUILDING,
                0,
                inventory.kinds().size(),
                0,
                now,
                now.plus(ttl.apply(tenant)),
                sha256(token));
        return new Created(export, token);
    }

    /** The export {@code id} of {@code tenant}. */
    public Optional<Export> find(String tenant, String id) {
        return find(records, id).filter(e -> e.tenant().equals(tenant));
    }

    /** The tenant exports of {@code tenant}, newest first. */
    public List<Export> list(String tenant) {
        return list(records, e -> e.tenant().equals(tenant));
    }

    /** {@code user}'s own export {@code id} (empty for anybody else's). */
    public Optional<Export> findForUser(String tenant, String user, String id) {
        return find(userRecords, id)
                .filter(e -> e.tenant().equals(tenant) && e.requestedBy().equals(user));
    }

    /** {@code user}'s own exports, newest first. */
    public List<Export> listForUser(String tenant, String user) {
        return list(
                userRecords, e -> e.tenant().equals(tenant) && e.requestedBy().equals(user));
    }

    private static Optional<Export> find(Records shelf, String id) {
        synchronized (shelf) {
            return Optional.ofNullable(shelf.exports.get(id));
        }
    }

    private static List<Export> list(Records shelf, java.util.function.Predicate<Export> filter) {
        synchronized (shelf) {
            return shelf.exports.values().stream()
                    .filter(filter)
                    .sorted(java.util.Comparator.comparing(Export::createdAt).reversed())
                    .toList();
        }
    }

    /** Every export of {@code tenant}, tenant and users' own alike. */
    private List<Export> all(String tenant) {
        List<Export> all = new ArrayList<>(list(tenant));
        all.addAll(list(userRecords, e -> e.tenant().equals(tenant)));
        return all;
    }

    /**
     * Hands out the archive of export {@code id} once: the token must match, the export be ready and not expired.
     * The export is marked downloaded before the file is handed over; the file is deleted at the next sweep.
     *
     * @return the archive, or empty when the token does not open it (unknown, wrong, used or expired alike)
     */
    public Optional<Path> download(String id, String token, String requestId) {
        return take(records, id, token, export -> true, Actor.anonymous(), requestId);
    }

    /**
     * Hands out {@code user}'s own export {@code id} once, to that user only: as {@link #download}, and the caller
     * must be the user who asked for it (someone else holding the link gets nothing).
     */
    public Optional<Path> downloadForUser(String tenant, String user, String id, String token, String requestId) {
        return take(
                userRecords,
                id,
                token,
                e -> e.tenant().equals(tenant) && e.requestedBy().equals(user),
                Actor.user(user),
                requestId);
    }

    private Optional<Path> take(
            Records shelf,
            String id,
            String token,
            java.util.function.Predicate<Export> allowed,
            Actor actor,
            String requestId) {
        Export export;
        synchronized (shelf) {
            export = shelf.exports.get(id);
            if (export == null
                    || token == null
                    || !allowed.test(export)
                    || export.state() != State.READY
                    || !clock.instant().isBefore(export.expiresAt())
                    || !MessageDigest.isEqual(
                            export.tokenSha256().getBytes(StandardCharsets.US_ASCII),
                            sha256(token).getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
            put(shelf, export.with(State.DOWNLOADED, export.kindsDone(), export.bytes()));
        }
        AuditEvent.Builder event = AuditEvent.of("privacy.export.download", id)
                .tenant(export.tenant())
                .actor(actor)
                .requestId(requestId)
                .field("bytes", export.bytes());
        if (shelf == userRecords) {
            event.field("scope", "user");
        }
        audit.accept(event.success());
        return Optional.of(file(id));
    }

    /** Deletes expired exports (file and record); returns how many. */
    public int sweep() {
        Instant now = clock.instant();
        List<Export> expired = new ArrayList<>(list(records, e -> !now.isBefore(e.expiresAt())));
        expired.addAll(list(userRecords, e -> !now.isBefore(e.expiresAt())));
        for (Export export : expired) {
            remove(export);
            audit.accept(AuditEvent.of("privacy.export.expire", export.id())
                    .tenant(export.tenant())
                    .actor(Actor.system())
                    .success());
        }
        return expired.size();
    }

    /** Exports as tenant data: the archives hold everything else, so a deletion removes them too. */
    public TenantData tenantData() {
        return new TenantData(
                        SECTION,
                        "store sections " + SECTION + " and " + USER_SECTION + ", and DATA_DIR/" + DIR + "/<id>.zip",
                        "until downloaded and expired (privacy retention exports-hours), or the tenant is deleted",
                        "hand a tenant, or one user, its own data (an archive of every kind listed here)",
                        List.of("store:" + SECTION, "store:" + USER_SECTION, "dir:" + DIR),
                        (tenant, sink) -> sink.add(
                                "privacy/exports.json",
                                all(tenant).stream().map(this::exported).toList()),
                        tenant -> all(tenant).forEach(this::remove))
                .erasingUsers((tenant, user) -> all(tenant).stream()
                        .filter(export -> export.requestedBy().equals(user))
                        .forEach(this::remove))
                .exportingUser((tenant, user, sink) -> sink.add(
                        "privacy/exports.json",
                        all(tenant).stream()
                                .filter(export -> export.requestedBy().equals(user))
                                .map(this::exported)
                                .toList()));
    }

    private Map<String, Object> exported(Export export) {
        return Map.of(
                "id", export.id(),
                "scope", find(userRecords, export.id()).isPresent() ? "user" : "tenant",
                "state", export.state().name().toLowerCase(java.util.Locale.ROOT),
                "createdAt", export.createdAt().toString());
    }

    /**
     * Writes the archive: every kind's tenant share, or, with a {@code profile}, every kind's share of the user who
     * asked ({@link Export#requestedBy}) after the profile.
     */
    private void build(Records shelf, Export export, Optional<Map<String, Object>> profile) {
        List<TenantData> kinds = inventory.kinds();
        Path target = file(export.id());
        Path partial = target.resolveSibling(export.id() + ".partial");
        try {
            Files.createDirectories(dir);
            try (OutputStream out = Files.newOutputStream(partial);
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                List<String> files = new ArrayList<>();
                ZipSink sink = new ZipSink(zip, files);
                profile.ifPresent(p -> sink.add("profile.json", p));
                int done = 0;
                for (TenantData kind : kinds) {
                    if (profile.isPresent()) {
                        kind.exportUser().accept(export.tenant(), export.requestedBy(), sink);
                    } else {
                        kind.export().accept(export.tenant(), sink);
                    }
                    put(shelf, export.with(State.BUILDING, ++done, 0));
                }
                Map<String, Object> manifest = new LinkedHashMap<>();
                manifest.put("format", 1);
                manifest.put("tenant", export.tenant());
                if (profile.isPresent()) {
                    manifest.put("user", export.requestedBy());
                }
                manifest.put("createdAt", export.createdAt().toString());
                manifest.put("kinds", kinds.stream().map(TenantData::name).toList());
                manifest.put("files", files);
                sink.add("manifest.json", manifest);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            long bytes = Files.size(target);
            synchronized (shelf) {
                if (shelf.exports.containsKey(export.id())) {
                    put(shelf, export.with(State.READY, kinds.size(), bytes));
                } else {
                    Files.deleteIfExists(target); // erased while it was built
                }
            }
            audit.accept(AuditEvent.of("privacy.export.ready", export.id())
                    .tenant(export.tenant())
                    .actor(Actor.system())
                    .field("bytes", bytes)
                    .success());
        } catch (IOException | RuntimeException e) {
            LOG.log(WARNING, "Building export " + export.id() + " failed: " + e);
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the sweep deletes it with the record
            }
            synchronized (shelf) {
                if (shelf.exports.containsKey(export.id())) {
                    put(shelf, export.with(State.FAILED, 0, 0));
                }
            }
            audit.accept(AuditEvent.of("privacy.export.ready", export.id())
                    .tenant(export.tenant())
                    .actor(Actor.system())
                    .field("error", e.getClass().getSimpleName())
                    .failure());
        }
    }

    private void remove(Export export) {
        try {
            Files.deleteIfExists(file(export.id()));
            Files.deleteIfExists(dir.resolve(export.id() + ".partial"));
        } catch (IOException e) {
            throw new PrivacyException("Cannot delete export " + export.id(), e);
        }
        for (Records shelf : List.of(records, userRecords)) {
            synchronized (shelf) {
                if (shelf.exports.remove(export.id()) != null) {
                    store.store(shelf.exports);
                }
            }
        }
    }

    private void put(Records shelf, Export export) {
        synchronized (shelf) {
            shelf.exports.put(export.id(), export);
            store.store(shelf.exports);
        }
    }

    private Path file(String id) {
        return dir.resolve(id + ".zip");
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes each document as one zip entry. */
    private record ZipSink(ZipOutputStream zip, List<String> files) implements TenantData.Sink {
        @Override
        public void add(String file, Object document) {
            try {
                write(file, JSON.writeValueAsBytes(document));
            } catch (IOException e) {
                throw new PrivacyException("Cannot write " + file + " into the export", e);
            }
        }

        @Override
        public void addJsonLines(String file, List<String> lines) {
            StringBuilder text = new StringBuilder();
            lines.forEach(line -> text.append(line).append('\n'));
            write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        }

        private void write(String file, byte[] bytes) {
            try {
                zip.putNextEntry(new ZipEntry(file));
                zip.write(bytes);
                zip.closeEntry();
                files.add(file);
            } catch (IOException e) {
                throw new PrivacyException("Cannot write " + file + " into the export", e);
            }
        }
    }

    /** Stops building; an export cut short is marked failed at the next start. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
