package ai.magicode.appliance;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.agent.AgentException;
import ai.magicode.appliance.agent.AgentTriggers;
import ai.magicode.appliance.agent.JobRoutes;
import ai.magicode.appliance.agent.JobRunner;
import ai.magicode.appliance.agent.Jobs;
import ai.magicode.appliance.agent.Sandbox;
import ai.magicode.appliance.agent.TicketJobs;
import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.AuditException;
import ai.magicode.appliance.audit.AuditLog;
import ai.magicode.appliance.audit.AuditRoutes;
import ai.magicode.appliance.auth.AuthException;
import ai.magicode.appliance.auth.Identity;
import ai.magicode.appliance.auth.SetupToken;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.config.IndexConfig;
import ai.magicode.appliance.console.ConsoleRoutes;
import ai.magicode.appliance.console.RecentLog;
import ai.magicode.appliance.console.SystemRoutes;
import ai.magicode.appliance.control.ControlException;
import ai.magicode.appliance.control.ControlServer;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.git.HttpSettings;
import ai.magicode.appliance.git.Workspaces;
import ai.magicode.appliance.github.DeliveryRecovery;
import ai.magicode.appliance.github.GitHub;
import ai.magicode.appliance.github.GitHubApp;
import ai.magicode.appliance.github.GitHubEvent;
import ai.magicode.appliance.github.GitHubException;
import ai.magicode.appliance.github.GitHubRoutes;
import ai.magicode.appliance.github.InboxRoutes;
import ai.magicode.appliance.github.Installations;
import ai.magicode.appliance.github.PushGuard;
import ai.magicode.appliance.github.RepoClient;
import ai.magicode.appliance.github.RepoName;
import ai.magicode.appliance.github.WebhookException;
import ai.magicode.appliance.github.WebhookInbox;
import ai.magicode.appliance.github.WebhookRoutes;
import ai.magicode.appliance.github.WebhookSecret;
import ai.magicode.appliance.index.Embedder;
import ai.magicode.appliance.index.IndexRoutes;
import ai.magicode.appliance.index.IndexStatus;
import ai.magicode.appliance.index.RepoIndexes;
import ai.magicode.appliance.index.RepoSettings;
import ai.magicode.appliance.llm.Budgets;
import ai.magicode.appliance.llm.Catalogue;
import ai.magicode.appliance.llm.EmbedRequest;
import ai.magicode.appliance.llm.EmbedResult;
import ai.magicode.appliance.llm.Embeddings;
import ai.magicode.appliance.llm.LlmException;
import ai.magicode.appliance.llm.LlmGateway;
import ai.magicode.appliance.llm.LlmRoutes;
import ai.magicode.appliance.llm.Policies;
import ai.magicode.appliance.llm.ProviderKeys;
import ai.magicode.appliance.llm.Usage;
import ai.magicode.appliance.privacy.DataInventory;
import ai.magicode.appliance.privacy.Exports;
import ai.magicode.appliance.privacy.PrivacyRoutes;
import ai.magicode.appliance.privacy.Retention;
import ai.magicode.appliance.privacy.TenantDeletions;
import ai.magicode.appliance.privacy.UserDeletions;
import ai.magicode.appliance.secrets.SecretsRoutes;
import ai.magicode.appliance.secrets.TlsCertificates;
import ai.magicode.appliance.secrets.TlsKeyPair;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.Backup;
import ai.magicode.appliance.store.Migration;
import ai.magicode.appliance.store.StoreException;
import ai.magicode.appliance.store.TenantData;
import ai.magicode.appliance.tickets.Connections;
import ai.magicode.appliance.tickets.TicketRoutes;
import ai.magicode.appliance.tickets.TicketWebhookRoutes;
import ai.magicode.appliance.tickets.Tickets;
import ai.magicode.appliance.tickets.TicketsException;
import ai.magicode.appliance.web.HttpMetrics;
import ai.magicode.appliance.web.Observability;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.SecurityHeaders;
import ai.magicode.appliance.web.VersionRoutes;
import io.helidon.common.tls.Tls;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The composition root: builds every component of the appliance with {@code new}, in dependency
 * order, and tears them down in reverse. Tests reuse {@link #routing} and {@link #configure}.
 */
public final class Appliance implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Appliance.class.getName());

    /** Store migrations, oldest first; each feature adds its steps here when its stored shape changes. */
    static final List<Migration> MIGRATIONS = List.of();

    /** The audit log's directory in the data dir and in a backup ({@code magicode audit verify} reads it there). */
    static final String AUDIT_DIR = "audit";

    /** How often the tenants' retention settings are applied (exports expire by the hour). */
    static final Duration RETENTION_INTERVAL = Duration.ofMinutes(10);

    private final ApplianceConfig config;
    private final ApplianceStore store;
    private final AuditLog audit;
    private final SetupToken setupToken;
    private final Problems problems;
    private final Optional<TlsKeyPair> tls;
    private final Vault vault;
    private final Identity identity;
    private final Workspaces workspaces;
    private final RepoIndexes indexes;
    private final GitHubApp gitHubApp;
    private final GitHub gitHub;
    private final PushGuard pushGuard;
    private final WebhookSecret webhookSecret;
    private final WebhookInbox webhooks;
    private final LlmGateway llm;
    private final Usage llmUsage;
    private final DataInventory inventory;
    private final Exports exports;
    private final Retention retention;
    private final TenantDeletions deletions;
    private final JobRunner jobs;
    private final Tickets tickets;
    private final RecentLog recentLog;
    private final RepoSettings repoSettings;
    private final Instant startedAt = Instant.now();
    private Observability observability;
    private WebServer server;
    private ControlServer control;
    /** The periodic tasks, one thread each, stopped on close. */
    private final List<ScheduledExecutorService> periodic = new java.util.concurrent.CopyOnWriteArrayList<>();

    private boolean closed;

    private Appliance(ApplianceConfig config, DataDir data) {
        this.config = config;
        this.store = data.store();
        this.audit = data.audit();
        this.vault = data.vault();
        this.setupToken = SetupToken.create(store);
        this.problems = new Problems(config.server().maxRequestBytes())
                .map(StoreException.class, 503)
                .map(AuditException.class, 503)
                .map(AuthException.class, 401)
                .map(GitHubException.class, 502)
                .map(WebhookException.class, 503)
                .map(LlmException.class, 502)
                .map(AgentException.class, 409)
                .map(TicketsException.class, 502);
        this.tls = loadTls(config);
        this.identity = new Identity(
                config.auth(), store, setupToken, config.server().publicUrl(), tls.isPresent(), audit::append);
        HttpSettings gitHttp = HttpSettings.of(
                config.github().caBundleFile(),
                config.github().proxy(),
                config.github().noProxy());
        this.workspaces = Workspaces.open(config.dataDir().resolve("workspaces"), gitHttp);
        this.indexes = RepoIndexes.perRepository(
                config.dataDir().resolve("index"),
                config.index().privacy(),
                config.index().maxFileBytes(),
                embedders(config.index()),
                this::indexKey,
                audit::append);
        this.gitHubApp = new GitHubApp(config.github(), vault);
        gitHubApp.importConfiguredKey();
        this.gitHub = new GitHub(config.github(), gitHubApp, audit::append);
        this.pushGuard = new PushGuard(config.github().branchPrefix(), store, audit::append, gitHttp);
        this.webhookSecret = new WebhookSecret(vault);
        config.webhooks().secretFile().ifPresent(webhookSecret::importFile);
        this.webhooks = new WebhookInbox(config.webhooks(), store, audit::append, audit::appendAsync);
        ProviderKeys.importKeys(config.llm(), vault);
        Catalogue catalogue = Catalogue.load(config.llm());
        this.llmUsage = new Usage(store);
        Policies policies = new Policies(store, catalogue);
        Budgets budgets = new Budgets(store);
        this.llm = new LlmGateway(
                config.llm(),
                catalogue,
                policies,
                llmUsage,
                budgets,
                ProviderKeys.from(vault),
                audit::append,
                Appliance::pause);
        this.jobs = new JobRunner(
                config.agent(),
                config.github().branchPrefix(),
                new Jobs(store, java.time.Clock.systemUTC()),
                gitHub,
                workspaces,
                indexes,
                llm,
                pushGuard,
                config.agent().sandboxEnabled()
                        ? java.util.Optional.of(new Sandbox(
                                config.agent().sandboxPodman(), config.agent().sandboxImage()))
                        : java.util.Optional.empty(),
                audit::append,
                java.time.Clock.systemUTC());
        this.repoSettings = new RepoSettings(store, audit::append);
        new AgentTriggers(
                        config.agent().triggerLabel(),
                        config.agent().botLogin(),
                        webhooks.installations(),
                        gitHub,
                        jobs,
                        audit::append,
                        (tenant, repo) -> repoSettings.agentEnabled(tenant, String.valueOf(repo)))
                .register(webhooks);
        webhooks.on("push", (event, delivery, effects) -> reindexOnPush((GitHubEvent.Push) event));
        this.tickets = new Tickets(
                config.tickets(),
                store,
                new Connections(store, vault, audit::append, Clock.systemUTC()),
                audit::append,
                Clock.systemUTC());
        new TicketJobs(tickets, jobs, webhooks.installations(), audit::append).register(webhooks);
        this.inventory = new DataInventory();
        this.retention = new Retention(
                store,
                (tenant, before) -> llmUsage.erase(tenant, Optional.of(before)),
                audit::append,
                Clock.systemUTC());
        this.exports =
                new Exports(store, config.dataDir(), inventory, retention::exportTtl, audit::append, Clock.systemUTC());
        registerTenantData(policies, budgets);
        this.deletions = new TenantDeletions(store, inventory, identity::shutOut, audit::append, audit::shredTenant);
        this.recentLog = RecentLog.install(config.console().supportLogLines());
    }

    /**
     * Every kind of data the appliance keeps, in the order a tenant's deletion erases it: the exports first (they
     * copy everything), the tenant record last (a resumed deletion still finds the tenant until the end). A feature
     * that stores tenant data adds its {@code tenantData()} here; {@code DataInventoryTest} fails for a store section
     * or data-dir directory no registration covers.
     */
    private void registerTenantData(Policies policies, Budgets budgets) {
        inventory
                .register(exports.tenantData())
                .register(indexes.tenantData())
                .register(new TenantData(
                        "index.term-keys",
                        "the vault's appliance tenant, secret index.term-key.<tenant>",
                        "until the tenant is deleted",
                        "the per-tenant HMAC key of the index's lexical term hashes",
                        List.of(),
                        (tenant, sink) -> {},
                        tenant -> vault.deleteFor(tenant, "index.term-key." + tenant, Actor.system())))
                .register(repoSettings.tenantData())
                .register(TenantData.platform(
                        "console.backups",
                        "console.backup-dir (default DATA_DIR/backups/backup-<time>/)",
                        "until an operator removes them",
                        "consistent copies of the store (the vault's secrets sealed) and the audit log, for restore",
                        List.of("dir:backups")))
                .register(TenantData.platform(
                        "git.workspaces",
                        "DATA_DIR/workspaces/<job>/ (bare Git repositories fetched at one commit)",
                        "while their job runs; deleted when it ends and swept at every start",
                        "read a repository at one commit to index it or work on it",
                        List.of("dir:workspaces")))
                .register(new TenantData(
                        "github.installation-tokens",
                        "process memory (never written to disk)",
                        "until GitHub expires them (one hour)",
                        "act as the App's installation on the tenant's repositories",
                        List.of(),
                        (tenant, sink) -> {},
                        tenant -> gitHub.tokens().clear()))
                .register(jobs.tenantData())
                .register(tickets.tenantData())
                .register(webhooks.tenantData())
                .register(llmUsage.tenantData())
                .register(budgets.tenantData())
                .register(policies.tenantData())
                .register(vault.tenantData())
                .register(retention.tenantData())
                .register(audit.tenantData())
                .register(TenantData.platform(
                        "privacy.deletions",
                        "store section privacy.deletions",
                        "until the deletion finishes",
                        "resume a tenant deletion a crash interrupted",
                        List.of("store:privacy.deletions")))
                .register(TenantData.platform(
                        "server.tls",
                        "DATA_DIR/tls/ (self-signed certificate and key, when generated)",
                        "until replaced",
                        "serve HTTPS when no certificate is configured",
                        List.of("dir:tls")))
                .register(TenantData.platform(
                        "control.socket",
                        "DATA_DIR/run/control.sock",
                        "while the appliance runs",
                        "let CLI commands reach the running appliance",
                        List.of("dir:run")))
                .register(identity.tenantData());
    }

    /** The vault (for tests that put a tenant's secrets without an HTTP caller). */
    Vault vault() {
        return vault;
    }

    /** The repository indexes (for tests). */
    RepoIndexes indexes() {
        return indexes;
    }

    /** The workspaces (for tests). */
    Workspaces workspaces() {
        return workspaces;
    }

    /** The LLM usage records (for tests). */
    Usage usage() {
        return llmUsage;
    }

    /** Tenant deletions (for tests). */
    TenantDeletions deletions() {
        return deletions;
    }

    /** The store's section names (for the inventory's completeness test). */
    java.util.Set<String> storeSections() {
        return store.sectionNames();
    }

    /** Tenant exports (for tests). */
    Exports exports() {
        return exports;
    }

    /** The registry of stored data kinds; features built outside (the agent's jobs) register theirs here. */
    public DataInventory inventory() {
        return inventory;
    }

    /** The agent's job runner. */
    public JobRunner jobs() {
        return jobs;
    }

    /** The GitHub webhook inbox; features register their event handlers on it before {@link #start}. */
    public WebhookInbox webhooks() {
        return webhooks;
    }

    /** The LLM gateway every model call goes through. */
    public LlmGateway llm() {
        return llm;
    }

    private static void pause(java.time.Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Opens the data dir and builds the components; nothing listens yet.
     *
     * @throws StoreException when the data dir is in use or its store cannot be opened
     */
    public static Appliance create(ApplianceConfig config) {
        createDataDir(config.dataDir());
        DataDir data = DataDir.open(config);
        try {
            return new Appliance(config, data);
        } catch (RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /** The embedding model of code search, loaded on its first use (it takes a second and ~100 MB). */
    /**
     * The embedding model of each tenant's repository index: the in-process model for all, none, or the configured
     * provider model called through the gateway under the tenant's routing policy (task {@code embed}).
     */
    private BiFunction<String, String, Embedder> embedders(IndexConfig config) {
        if (config.embeddings() != IndexConfig.Embeddings.PROVIDER) {
            Embedder shared = embedder(config);
            return (tenant, repo) -> shared;
        }
        return (tenant, repo) -> new Embedder(
                config.embeddingModel(),
                config.embeddingDimension(),
                texts -> embedThroughGateway(config, tenant, repo, texts));
    }

    private float[][] embedThroughGateway(IndexConfig config, String tenant, String repo, List<String> texts) {
        String name = repositories(tenant).stream()
                .filter(r -> r.id().equals(repo))
                .map(IndexRoutes.Repository::fullName)
                .findFirst()
                .orElse(repo);
        EmbedResult result = llm.embed(new EmbedRequest(tenant, name, Set.of(), texts));
        return switch (result) {
            case EmbedResult.Refused refused ->
                throw new Embedder.Refused(
                        "rule " + refused.rule() + " refuses to embed the code of " + name + ": " + refused.reason());
            case EmbedResult.Embedded embedded -> {
                if (!embedded.model().equals(config.embeddingModel())) {
                    throw new Embedder.Refused("the routing policy chose " + embedded.model()
                            + " for task embed, but the index is built with index.embedding-model "
                            + config.embeddingModel() + "; list only that model for task embed");
                }
                if (embedded.dimension() != config.embeddingDimension()) {
                    throw new Embedder.Refused(embedded.model() + " answered vectors of length " + embedded.dimension()
                            + ", not index.embedding-dimension " + config.embeddingDimension());
                }
                yield embedded.vectors().toArray(float[][]::new);
            }
        };
    }

    private static Embedder embedder(IndexConfig config) {
        if (config.embeddings() == IndexConfig.Embeddings.NONE) {
            return null;
        }
        AtomicReference<Embeddings> model = new AtomicReference<>();
        return new Embedder(Embeddings.MODEL, Embeddings.DIMENSION, texts -> {
            Embeddings loaded = model.get();
            if (loaded == null) {
                // Once: updateAndGet may run its function again under contention, and a load costs ~100 MB.
                synchronized (model) {
                    loaded = model.get();
                    if (loaded == null) {
                        loaded = Embeddings.create();
                        model.set(loaded);
                    }
                }
            }
            return loaded.embed(texts);
        });
    }

    /** A tenant's key for hashing index terms: in the vault's own tenant, where the tenant's admins cannot touch it. */
    private byte[] indexKey(String tenant) {
        return vault.readOrCreateFor(tenant, "index.term-key." + tenant, Vault::newKey, Actor.system());
    }

    /**
     * A tenant's repository from the GitHub installation mirror (by its GitHub id), and how to fetch its default
     * branch for an index update: into a fresh workspace, with an installation token narrowed to the repository
     * and {@code contents: read}.
     */
    Optional<Supplier<Workspaces.Workspace>> repository(String tenant, String repo) {
        return installed(tenant, repo).map(r -> {
            RepoClient client = reader(tenant, r);
            return () -> fetch(repo, client);
        });
    }

    /** The tenant's repository of this id in the installation mirror, when its installation is active. */
    private Optional<Installations.Repository> installed(String tenant, String repo) {
        long id;
        try {
            id = Long.parseLong(repo);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return mirrored(tenant).filter(r -> r.id() == id).findFirst();
    }

    /** The tenant's repositories in the installation mirror whose installation is neither suspended nor removed. */
    private java.util.stream.Stream<Installations.Repository> mirrored(String tenant) {
        Installations installations = webhooks.installations();
        return installations.repositories().stream()
                .filter(r -> installations
                        .find(r.installationId())
                        .filter(i -> tenant.equals(i.tenant()) && !i.suspended() && !i.removed())
                        .isPresent());
    }

    /** A client that may only read the repository's contents (the index's token scope). */
    private RepoClient reader(String tenant, Installations.Repository repository) {
        return gitHub.repository(
                tenant, repository.installationId(), RepoName.parse(repository.fullName()), Map.of("contents", "read"));
    }

    private Workspaces.Workspace fetch(String repo, RepoClient client) {
        return workspaces.fetch(
                "index-" + repo, client.gitUrl(), Optional.of(client.token().value()), "HEAD");
    }

    /**
     * Keeps indexes fresh: a push that moves an indexed repository's default branch queues an incremental update.
     * The pushed commit's tree is listed through the API and only the files whose blob changed are read (a one-file
     * push reads one file, whatever the repository's size); many changes, or any failure of the API, fall back to
     * fetching the repository. Repositories never indexed stay so; an update already running is followed by one
     * more, so the index ends at the pushed commit or later.
     */
    private void reindexOnPush(GitHubEvent.Push push) {
        if (!push.movesDefaultBranch() || push.context().installationId().isEmpty()) {
            return;
        }
        webhooks.installations()
                .find(push.context().installationId().getAsLong())
                .filter(i -> !i.tenant().isEmpty())
                .ifPresent(installation -> push.context().repository().ifPresent(repository -> {
                    String tenant = installation.tenant();
                    String repo = String.valueOf(repository.id());
                    if (indexes.status(tenant, repo).state() == IndexStatus.State.NONE) {
                        return;
                    }
                    installed(tenant, repo).ifPresent(installed -> {
                        RepoClient client = reader(tenant, installed);
                        RepoIndexes.Listing listing = new RepoIndexes.Listing(
                                maxBytes -> client.tree(push.after(), maxBytes),
                                file -> GitRepository.text(client.blob(file.blobId())));
                        indexes.request(tenant, repo, () -> fetch(repo, client), Optional.of(listing), Actor.system());
                    });
                }));
    }

    /** A tenant's repositories in the GitHub installation mirror (installations neither suspended nor removed). */
    List<IndexRoutes.Repository> repositories(String tenant) {
        return mirrored(tenant)
                .map(r -> new IndexRoutes.Repository(String.valueOf(r.id()), r.fullName()))
                .toList();
    }

    /** The audit log every feature reports its actions to. */
    public AuditLog audit() {
        return audit;
    }

    /** The GitHub client (as the App); the agent's way to GitHub. */
    public GitHub gitHub() {
        return gitHub;
    }

    /** The guard every push goes through. */
    public PushGuard pushGuard() {
        return pushGuard;
    }

    /** The build's version, from the jar. */
    public static String version() {
        try (InputStream in = Appliance.class.getResourceAsStream("/magicode-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Every HTTP route of the appliance, with its filters and error handling. */
    public void routing(HttpRouting.Builder routing) {
        routing.addFilter(new RequestIds())
                .addFilter(new SecurityHeaders(
                        tls.isPresent(), Optional.of(config.github().webUrl())))
                .addFilter(new HttpMetrics())
                .addFilter(identity.filter());
        problems.register(routing);
        api(routing);
        routing.register("/auth", identity.console());
        routing.register(
                "/webhooks",
                new WebhookRoutes(webhooks, webhookSecret, config.webhooks().maxBodyBytes(), audit::append));
        routing.register("/webhooks", new TicketWebhookRoutes(tickets, audit::append, Clock.systemUTC()));
        routing.register(
                "/",
                new ConsoleRoutes(
                        identity.oidcConfigured(),
                        version(),
                        () -> setupToken.pending().isPresent()));
    }

    /** The {@code /api/v1} routes, each described in {@code META-INF/openapi.yaml} (a test holds them in step). */
    void api(HttpRules rules) {
        rules.register("/api/v1", new VersionRoutes(version(), store.schemaVersion()));
        rules.register("/api/v1", new SecretsRoutes(vault));
        rules.register("/api/v1", new AuditRoutes(audit));
        rules.register("/api/v1", identity.api());
        rules.register("/api/v1", new IndexRoutes(indexes, this::repository, this::repositories, repoSettings));
        rules.register("/api/v1", new GitHubRoutes(gitHub, gitHubApp, vault, this::consoleUrl, audit::append));
        rules.register("/api/v1", new InboxRoutes(webhooks));
        rules.register("/api/v1", new LlmRoutes(llm, llmUsage, vault, audit::append));
        rules.register(
                "/api/v1",
                new PrivacyRoutes(
                        inventory,
                        exports,
                        retention,
                        deletions,
                        identity::tenantExists,
                        new UserDeletions(store, inventory, audit::append, audit::shredUser, deletions),
                        identity::userKnown,
                        identity::requireRemovable));
        rules.register(
                "/api/v1",
                new JobRoutes(jobs, webhooks.installations(), config.github().webUrl(), audit::append));
        rules.register("/api/v1", new TicketRoutes(tickets.connections(), this::consoleUrl));
        rules.register(
                "/api/v1",
                new SystemRoutes(
                        new SystemRoutes.Facts(
                                version(),
                                store.schemaVersion(),
                                config.dataDir(),
                                config.console().backupDir(),
                                startedAt,
                                config.toString()),
                        to -> describe(backup(to)),
                        () -> observability().report(),
                        recentLog,
                        audit::append));
    }

    /** The health checks, built once (the listener serves them, the support bundle reports them). */
    private synchronized Observability observability() {
        if (observability != null) {
            return observability;
        }
        observability = new Observability()
                .ready("store", () -> store.isOpen() ? Optional.empty() : Optional.of("the store is closed"))
                .diskSpace(config.dataDir(), config.observe().minFreeDiskBytes())
                .warning("audit", audit::integrityProblem)
                .warning("audit-forwarding", audit::forwardingProblem)
                .warning("llm-policy", () -> llm.policies().problem());
        if (identity.oidcConfigured()) {
            // Not a readiness failure: local login and API tokens keep working without the provider.
            observability.detail("oidc", identity::oidcProblem);
        }
        return observability;
    }

    /** The listener, its limits, TLS and the server features (observe, OpenAPI) around {@link #routing}. */
    public void configure(WebServerConfig.Builder server) {
        Observability observability = observability();
        server.host(config.server().host())
                .port(config.server().port())
                .maxPayloadSize(config.server().maxRequestBytes())
                .shutdownGracePeriod(config.server().shutdownGrace())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .directHandlers(problems.directHandlers())
                .addFeature(observability.feature())
                .addFeature(
                        OpenApiFeature.builder().managerDiscoverServices(false).build())
                .routing(this::routing);
        tls.ifPresent(pair -> server.tls(Tls.builder()
                .privateKey(pair.privateKey())
                .privateKeyCertChain(pair.chain())
                .build()));
    }

    /** Starts listening and accepting control commands; logs the console URL and, before setup, the setup token. */
    public WebServer start() {
        return start(routing -> {});
    }

    /** Starts with extra routes after the appliance's own (tests use this for slow or failing handlers). */
    synchronized WebServer start(Consumer<HttpRouting.Builder> extraRoutes) {
        long started = System.nanoTime();
        WebServerConfig.Builder builder = WebServer.builder();
        configure(builder);
        builder.routing(routing -> {
            routing(routing);
            extraRoutes.accept(routing);
        });
        server = builder.build().start();
        webhooks.start();
        jobs.resume();
        scheduleDeliveryRecovery();
        scheduleKeyReload();
        deletions.resume();
        scheduleRetention();
        scheduleTicketPoll();
        Map<String, ControlServer.Command> commands = new LinkedHashMap<>();
        commands.put("backup", arguments -> {
            String to = arguments.get("to");
            if (to == null || to.isBlank()) {
                throw new ControlException("backup needs a target directory");
            }
            return describe(backup(Path.of(to)));
        });
        commands.putAll(SecretsCommands.control(vault));
        control = ControlServer.start(config.dataDir(), commands);
        audit.append(AuditEvent.of("appliance.start", consoleUrl().toString())
                .field("version", version())
                .field("port", server.port())
                .success());
        URI console = consoleUrl();
        LOG.log(
                INFO,
                "MagiCode Appliance " + version() + " ready on port " + server.port() + " in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms: " + console);
        setupToken
                .pending()
                .ifPresent(token -> LOG.log(
                        INFO,
                        "First-time setup: open " + console + " and enter the one-time setup token " + token
                                + " (also in " + setupToken.file() + ")"));
        return server;
    }

    /**
     * Asks GitHub, at startup and then every {@code github.webhooks.recovery-interval}, to redeliver the events the
     * inbox missed while the appliance was down or unreachable (only while the App is registered).
     */
    private void scheduleDeliveryRecovery() {
        Duration every = config.webhooks().recoveryInterval();
        if (every.isZero()) {
            return;
        }
        DeliveryRecovery recovery =
                new DeliveryRecovery(gitHub, guid -> webhooks.find(guid).isPresent());
        schedule("webhook-recovery", "Webhook recovery", Duration.ZERO, every, () -> {
            if (gitHubApp.registered()) {
                recovery.recover(config.webhooks().recoveryWindow());
            }
        });
    }

    /**
     * Reads the providers' key files again every {@code llm.key-reload-interval}: a rotated key (a Kubernetes Secret
     * updated in place) lands in the vault and the next model call uses it, without a restart. A failure names the
     * key file, never its content, and the vault keeps the previous key.
     */
    private void scheduleKeyReload() {
        Duration every = config.llm().keyReloadInterval();
        if (every.isZero()) {
            return;
        }
        schedule(
                "llm-key-reload",
                "Provider key reload (the previous key stays in use)",
                every,
                every,
                () -> ProviderKeys.importKeys(config.llm(), vault));
    }

    /** Applies the tenants' retention settings at startup and then every {@link #RETENTION_INTERVAL}. */
    private void scheduleRetention() {
        schedule(
                "privacy-retention",
                "Applying retention",
                Duration.ZERO,
                RETENTION_INTERVAL,
                () -> retention.apply(exports));
    }

    /** Polls the Jira and Linear connections for labelled tickets the webhooks missed ({@code tickets.poll-interval}). */
    private void scheduleTicketPoll() {
        Duration every = config.tickets().pollInterval();
        if (!every.isZero()) {
            schedule("tickets-poll", "Polling ticket connections", every, every, tickets::poll);
        }
    }

    /**
     * Runs {@code task} on its own daemon thread after {@code first}, then {@code every} after each run ends; a
     * failure is logged (as {@code what}) and the next run comes as planned.
     */
    private void schedule(String thread, String what, Duration first, Duration every, Runnable task) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(thread).daemon().factory());
        periodic.add(executor);
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.log(WARNING, what + " failed; next try in " + every + ": " + e.getMessage());
                    }
                },
                first.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Backs the store and the audit log up, consistently, while serving; audited as {@code store.backup}. */
    public Backup backup(Path to) {
        return backup(store, audit, to);
    }

    /** The store into {@code to/store}, a verified copy of the audit log into {@code to/audit}, one manifest. */
    static Backup backup(ApplianceStore store, AuditLog audit, Path to) {
        AuditEvent.Builder event = AuditEvent.of("store.backup", to.toString()).actor(Actor.system());
        try {
            AtomicLong auditEntries = new AtomicLong();
            Backup backup = store.backup(
                    to,
                    target -> auditEntries.set(
                            audit.copyTo(target.resolve(AUDIT_DIR)).entries()));
            audit.append(event.field("bytes", backup.bytes())
                    .field("schemaVersion", backup.schemaVersion())
                    .field("auditEntries", auditEntries.get())
                    .success());
            return backup;
        } catch (RuntimeException e) {
            audit.append(event.field("error", e.getClass().getSimpleName()).failure());
            throw e;
        }
    }

    static Map<String, Object> describe(Backup backup) {
        return Map.of(
                "directory", backup.directory().toString(),
                "schemaVersion", backup.schemaVersion(),
                "bytes", backup.bytes(),
                "createdAt", backup.createdAt().toString());
    }

    /** The URL users open: the configured public URL, else this listener on localhost. */
    URI consoleUrl() {
        return config.server()
                .publicUrl()
                .orElseGet(() -> URI.create((tls.isPresent() ? "https" : "http") + "://localhost:"
                        + (server == null ? config.server().port() : server.port()) + "/"));
    }

    /** Stops accepting, lets in-flight requests finish within the grace period, then closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        recentLog.close();
        if (control != null) {
            control.close();
        }
        if (server != null) {
            server.stop();
            LOG.log(INFO, "HTTP listener stopped");
            try {
                audit.append(AuditEvent.of("appliance.stop", "-").success());
            } catch (AuditException e) {
                LOG.log(WARNING, "Could not audit the shutdown: " + e.getMessage());
            }
        }
        periodic.forEach(ScheduledExecutorService::shutdownNow);
        deletions.close();
        exports.close();
        webhooks.close();
        tickets.close();
        jobs.close();
        indexes.close();
        llm.close();
        audit.close();
        store.close();
        LOG.log(INFO, "Store closed; MagiCode Appliance stopped");
    }

    private static Optional<TlsKeyPair> loadTls(ApplianceConfig config) {
        ApplianceConfig.TlsConfig tls = config.server().tls();
        if (tls.certFile().isPresent()) {
            return Optional.of(
                    TlsCertificates.load(tls.certFile().get(), tls.keyFile().orElseThrow()));
        }
        if (!tls.selfSigned()) {
            return Optional.empty();
        }
        Path dir = config.dataDir().resolve("tls");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        if (!Files.exists(cert) || !Files.exists(key)) {
            Set<String> hosts = new LinkedHashSet<>();
            config.server().publicUrl().ifPresent(url -> hosts.add(url.getHost()));
            if (!config.server().host().equals("0.0.0.0")
                    && !config.server().host().equals("::")) {
                hosts.add(config.server().host());
            }
            createPrivateDir(dir);
            TlsCertificates.SelfSigned generated = TlsCertificates.selfSigned(new ArrayList<>(hosts), dir, false);
            LOG.log(
                    WARNING,
                    "Generated a self-signed TLS certificate (SHA-256 " + generated.sha256Fingerprint()
                            + "); browsers will warn until you configure server.tls.cert-file and key-file");
        }
        return Optional.of(TlsCertificates.load(cert, key));
    }

    private static void createDataDir(Path dataDir) {
        createPrivateDir(dataDir);
    }

    private static void createPrivateDir(Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
