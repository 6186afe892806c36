package ai.magicode.appliance.control;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The local control channel of a running appliance: a Unix domain socket under the data dir (in a
 * directory only the service user can enter) through which CLI commands such as {@code backup} reach the
 * process that holds the store. One JSON request line in, one JSON answer line out.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REQUEST_CHARS = 64 * 1024;

    /** A command: its arguments in, its result out; throw {@link ControlException} for a refusal. */
    public interface Command extends Function<Map<String, String>, Map<String, Object>> {}

    private final Path socket;
    private final Map<String, Command> commands;
    private final ServerSocketChannel channel;
    private final Thread acceptor;

    private ControlServer(Path socket, Map<String, Command> commands, ServerSocketChannel channel) {
        this.socket = socket;
        this.commands = Map.copyOf(commands);
        this.channel = channel;
        this.acceptor = Thread.ofVirtual().name("control-accept").unstarted(this::accept);
    }

    /** The socket of the appliance using {@code dataDir}. */
    public static Path socketPath(Path dataDir) {
        return dataDir.resolve("run").resolve("control.sock");
    }

    /** Binds the socket (replacing a stale one left by a crash; the store lock proves no one else serves) and starts accepting. */
    public static ControlServer start(Path dataDir, Map<String, Command> commands) {
        Path socket = socketPath(dataDir);
        try {
            Path dir = socket.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Files.deleteIfExists(socket);
            ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(socket));
            ControlServer server = new ControlServer(socket, new LinkedHashMap<>(commands), channel);
            server.acceptor.start();
            LOG.log(DEBUG, () -> "Control socket listening at " + socket);
            return server;
        } catch (IOException e) {
            throw new ControlException("cannot open the control socket " + socket + ": " + e.getMessage());
        }
    }

    private void accept() {
        while (channel.isOpen()) {
            try {
                SocketChannel client = channel.accept();
                Thread.ofVirtual().name("control").start(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(ERROR, "Control socket failed", e);
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client;
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(client)) {
            Map<String, Object> answer = answer(readLine(in));
            out.write((JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.log(DEBUG, "Control client went away", e);
        }
    }

    Map<String, Object> answer(String line) {
        Map<String, Object> answer = new LinkedHashMap<>();
        try {
            ControlRequest request = ControlRequest.parse(line);
            Command command = commands.get(request.command());
            if (command == null) {
                throw new ControlException(
                        "unknown command " + request.command() + "; known: " + String.join(", ", commands.keySet()));
            }
            LOG.log(INFO, "Control command " + request.command());
            answer.put("ok", true);
            answer.put("result", command.apply(request.arguments()));
        } catch (ControlException e) {
            answer.put("ok", false);
            answer.put("error", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(ERROR, "Control command failed", e);
            answer.put("ok", false);
            answer.put("error", e.getMessage() == null ? "internal error; see the server log" : e.getMessage());
        }
        return answer;
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (line.length() >= MAX_REQUEST_CHARS) {
                return "";
            }
            line.append((char) c);
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(DEBUG, "Cannot remove control socket", e);
        }
    }
}
