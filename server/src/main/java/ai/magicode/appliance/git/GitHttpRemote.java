package ai.magicode.appliance.git;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A Git remote over smart HTTP for benchmarks that need one in process: serves fetch and push of the bare
 * repositories under a directory ({@code /owner/name.git/…} is {@code root/owner/name.git}) on a JDK HTTP server,
 * without authentication, and generates such repositories. Not for production traffic: it buffers each request.
 */
public final class GitHttpRemote implements HttpHandler {
    private static final Pattern PATH =
            Pattern.compile("/([A-Za-z0-9._-]+/[A-Za-z0-9._-]+\\.git)/(info/refs|git-upload-pack|git-receive-pack)");

    private final Path root;

    public GitHttpRemote(Path root) {
        this.root = root;
    }

    /**
     * Creates the bare repository {@code root/owner/name.git} with one commit holding {@code files} (path → text) on
     * {@code branch}, which is also its HEAD.
     *
     * @return the commit
     */
    public String create(String fullName, String branch, Map<String, String> files) {
        Path dir = root.resolve(fullName + ".git");
        try (Repository repository =
                new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build()) {
            repository.create(true);
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            ObjectId commit;
            try (ObjectInserter inserter = repository.newObjectInserter()) {
                for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
                    DirCacheEntry entry = new DirCacheEntry(file.getKey());
                    entry.setFileMode(FileMode.REGULAR_FILE);
                    entry.setObjectId(
                            inserter.insert(Constants.OBJ_BLOB, file.getValue().getBytes(StandardCharsets.UTF_8)));
                    builder.add(entry);
                }
                builder.finish();
                CommitBuilder first = new CommitBuilder();
                PersonIdent author = new PersonIdent("bench", "bench@example.invalid");
                first.setTreeId(index.writeTree(inserter));
                first.setAuthor(author);
                first.setCommitter(author);
                first.setMessage("generated\n");
                commit = inserter.insert(first);
                inserter.flush();
            }
            RefUpdate update = repository.updateRef(Constants.R_HEADS + branch);
            update.setNewObjectId(commit);
            update.forceUpdate();
            repository.updateRef(Constants.HEAD).link(Constants.R_HEADS + branch);
            return commit.name();
        } catch (IOException e) {
            throw new GitException("Cannot create the repository " + fullName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher m = PATH.matcher(exchange.getRequestURI().getPath());
            Path dir = m.matches() ? root.resolve(m.group(1)) : null;
            if (dir == null || !Files.isDirectory(dir)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String endpoint = m.group(2);
            String query = exchange.getRequestURI().getQuery();
            String service = endpoint.equals("info/refs")
                    ? (query == null ? "" : query.replaceFirst("^.*service=([a-z-]+).*$", "$1"))
                    : endpoint;
            boolean write = service.equals("git-receive-pack");
            try (Repository repository = new FileRepositoryBuilder()
                    .setGitDir(dir.toFile())
                    .setMustExist(true)
                    .build()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                if (endpoint.equals("info/refs")) {
                    PacketLineOut lines = new PacketLineOut(out);
                    lines.writeString("# service=" + service + "\n");
                    lines.end();
                    RefAdvertiser.PacketLineOutRefAdvertiser advertiser =
                            new RefAdvertiser.PacketLineOutRefAdvertiser(lines);
                    if (write) {
                        ReceivePack pack = new ReceivePack(repository);
                        pack.setBiDirectionalPipe(false);
                        pack.sendAdvertisedRefs(advertiser);
                    } else {
                        UploadPack pack = new UploadPack(repository);
                        pack.setBiDirectionalPipe(false);
                        pack.sendAdvertisedRefs(advertiser);
                    }
                    exchange.getResponseHeaders().set("Content-Type", "application/x-" + service + "-advertisement");
                } else {
                    InputStream in = exchange.getRequestBody();
                    if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                        in = new GZIPInputStream(in);
                    }
                    if (write) {
                        ReceivePack pack = new ReceivePack(repository);
                        pack.setBiDirectionalPipe(false);
                        pack.receive(in, out, null);
                    } else {
                        UploadPack pack = new UploadPack(repository);
                        pack.setBiDirectionalPipe(false);
                        pack.upload(in, out, null);
                    }
                    exchange.getResponseHeaders().set("Content-Type", "application/x-" + service + "-result");
                }
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                exchange.sendResponseHeaders(200, out.size());
                exchange.getResponseBody().write(out.toByteArray());
            }
        }
    }
}
