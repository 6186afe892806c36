package ai.magicode.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small WebDriver BiDi client for Debian's {@code firefox-esr}, for tests: geckodriver is not reachable here, but
 * Firefox speaks BiDi itself. {@link #start} runs a headless Firefox on a fresh profile with {@code
 * --remote-debugging-port=0}, reads the WebSocket address it prints, opens a session ({@code session.new}) and
 * subscribes to {@code log.entryAdded} (console messages and uncaught errors). A preload script records the page's
 * Content-Security-Policy violations. Every command waits for its answer with a deadline.
 */
final class FirefoxBidi implements AutoCloseable {
    static final Path FIREFOX = Path.of("/usr/bin/firefox-esr");
    private static final Pattern LISTENING = Pattern.compile("WebDriver BiDi listening on (ws://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> logEntries = new CopyOnWriteArrayList<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private String context;

    private FirefoxBidi(Process process, URI address, Duration timeout) throws Exception {
        this.process = process;
        this.timeout = timeout;
        this.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(timeout)
                .buildAsync(address.resolve("/session"), new Listener())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts Firefox on a fresh profile under {@code profile} and opens a BiDi session in its first tab. */
    static FirefoxBidi start(Path profile, Duration timeout) throws Exception {
        Files.createDirectories(profile);
        Process process = new ProcessBuilder(
                        FIREFOX.toString(),
                        "--headless",
                        "--remote-debugging-port=0",
                        "--profile",
                        profile.toString(),
                        "--no-remote",
                        "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<URI> address = new CompletableFuture<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader err =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    lines.add(line);
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        address.complete(URI.create(matcher.group(1)));
                    }
                }
            } catch (IOException e) {
                address.completeExceptionally(e);
            }
            address.completeExceptionally(new IllegalStateException("Firefox ended: " + lines));
        });
        FirefoxBidi bidi;
        try {
            bidi = new FirefoxBidi(process, address.get(timeout.toMillis(), TimeUnit.MILLISECONDS), timeout);
        } catch (Exception e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw e;
        }
        bidi.output.addAll(lines);
        try {
            bidi.command("session.new", Map.of("capabilities", Map.of()));
            bidi.command("session.subscribe", Map.of("events", List.of("log.entryAdded")));
            bidi.context = bidi.command("browsingContext.getTree", Map.of())
                    .path("contexts")
                    .path(0)
                    .path("context")
                    .asText();
            bidi.command("script.addPreloadScript", Map.of("functionDeclaration", """
                            () => {
                              window.cspViolations = [];
                              document.addEventListener('securitypolicyviolation', (e) =>
                                window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
                            }"""));
        } catch (Exception | AssertionError e) {
            bidi.close();
            throw e;
        }
        return bidi;
    }

    /** Sends a command and waits for its result; a BiDi error fails the test with its message. */
    JsonNode command(String method, Map<String, ?> params) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(message), true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        JsonNode reply;
        try {
            reply = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(method + " got no answer within " + timeout, e);
        } finally {
            pending.remove(id);
        }
        if (!"success".equals(reply.path("type").asText())) {
            throw new AssertionError(method + " failed: " + reply.path("error").asText() + ": "
                    + reply.path("message").asText());
        }
        return reply.path("result");
    }

    /** Loads {@code url} in the tab and waits until the document is complete. */
    void navigate(String url) throws Exception {
        command("browsingContext.navigate", Map.of("context", context, "url", url, "wait", "complete"));
    }

    /**
     * Evaluates {@code expression} in the page (awaiting a promise) and returns its value as JSON: the page computes
     * {@code JSON.stringify} of the result, so tests read plain JSON rather than BiDi's remote values. A thrown
     * exception fails the test.
     */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = command(
                "script.evaluate",
                Map.of(
                        "expression",
                        "(async () => JSON.stringify(await (async () => (" + expression + "))()))()",
                        "target",
                        Map.of("context", context),
                        "awaitPromise",
                        true,
                        "resultOwnership",
                        "none"));
        if ("exception".equals(result.path("type").asText())) {
            throw new AssertionError("the page threw on " + expression + ": "
                    + result.path("exceptionDetails").path("text").asText());
        }
        JsonNode value = result.path("result").path("value");
        return value.isMissingNode() ? JSON.nullNode() : JSON.readTree(value.asText());
    }

    /** Runs {@code script} (statements, such as a library's source) in the page; a thrown exception fails the test. */
    void run(String script) throws Exception {
        JsonNode result = command(
                "script.evaluate",
                Map.of(
                        "expression",
                        script,
                        "target",
                        Map.of("context", context),
                        "awaitPromise",
                        false,
                        "resultOwnership",
                        "none"));
        if ("exception".equals(result.path("type").asText())) {
            throw new AssertionError("the page threw: "
                    + result.path("exceptionDetails").path("text").asText());
        }
    }

    /**
     * Waits until {@code condition} (a JavaScript expression) is true in the page, checking it as the page changes
     * (a {@code MutationObserver} on the document) up to the deadline; fails naming {@code what} otherwise.
     */
    void waitUntil(String condition, String what) throws Exception {
        boolean met = evaluate("""
                new Promise((resolve) => {
                  const check = () => { try { return Boolean(%s); } catch (e) { return false; } };
                  if (check()) { resolve(true); return; }
                  const observer = new MutationObserver(() => {
                    if (check()) { observer.disconnect(); resolve(true); }
                  });
                  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
                  window.addEventListener('hashchange', () => { if (check()) resolve(true); });
                  setTimeout(() => { observer.disconnect(); resolve(check()); }, %d);
                })""".formatted(condition, timeout.toMillis() / 2)).asBoolean();
        if (!met) {
            throw new AssertionError("waited " + timeout.toMillis() / 2 + " ms for " + what + " (" + condition + ")");
        }
    }

    /** The console errors and uncaught exceptions Firefox reported since the session began. */
    List<String> errors() {
        return logEntries.stream()
                .filter(entry -> "error".equals(entry.path("level").asText()))
                .map(entry ->
                        entry.path("type").asText() + ": " + entry.path("text").asText())
                .toList();
    }

    /** Firefox's version, as the session reported it. */
    String version() throws Exception {
        return evaluate("navigator.userAgent").asText();
    }

    @Override
    public void close() throws Exception {
        try {
            command("session.end", Map.of());
        } catch (AssertionError | ExecutionException | TimeoutException e) {
            // Ending the process below is what matters.
        } finally {
            socket.abort();
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    /** Collects text frames into messages: answers complete their command, log events are kept. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = JSON.readTree(text);
                    if (message.has("id")
                            && pending.containsKey(message.path("id").asLong())) {
                        pending.get(message.path("id").asLong()).complete(message);
                    } else if ("log.entryAdded".equals(message.path("method").asText())) {
                        logEntries.add(message.path("params"));
                    }
                } catch (IOException e) {
                    output.add("unreadable BiDi message: " + e.getMessage());
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
