package ai.magicode.appliance.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Sends one command to the appliance serving a data dir, for the CLI. */
public final class ControlClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ControlClient() {}

    /**
     * Runs a command in the appliance serving {@code dataDir}.
     *
     * @return the command's result, or empty when no appliance listens there
     * @throws ControlException when the appliance refused the command
     */
    public static Optional<JsonNode> send(Path dataDir, String command, Map<String, String> arguments) {
        Path socket = ControlServer.socketPath(dataDir);
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            String request = new ControlRequest(command, arguments).toJson() + "\n";
            Channels.newOutputStream(channel).write(request.getBytes(StandardCharsets.UTF_8));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) {
                throw new ControlException("the appliance closed the control socket without an answer");
            }
            JsonNode answer = JSON.readTree(line);
            if (!answer.path("ok").asBoolean()) {
                throw new ControlException(answer.path("error").asText("refused"));
            }
            return Optional.of(answer.path("result"));
        } catch (java.net.ConnectException e) {
            return Optional.empty(); // a stale socket file: nobody is serving
        } catch (IOException e) {
            throw new ControlException("cannot talk to the appliance at " + socket + ": " + e.getMessage());
        }
    }
}
