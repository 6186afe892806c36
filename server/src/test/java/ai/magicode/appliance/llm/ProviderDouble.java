package ai.magicode.appliance.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local server speaking one model vendor's wire protocol (OpenAI chat completions, Anthropic messages, Gemini
 * generateContent, Ollama {@code /api/chat}), streaming included, that replays scripted {@link Reply replies}: text,
 * tool calls, error statuses with {@code retry-after}, malformed and truncated bodies, and stalls. It records every
 * request. For the gateway's tests and the agent's: {@code ProviderDouble.start(Protocol.OPENAI).script(Reply.text("hi"))}.
 * Formats: see README.md next to this file.
 */
public final class ProviderDouble implements AutoCloseable {
    /** The wire protocols. */
    public enum Protocol {
        OPENAI,
        ANTHROPIC,
        GEMINI,
        OLLAMA
    }

    /**
     * One scripted answer.
     *
     * @param kind what to answer
     * @param text the text (split into streamed chunks at spaces)
     * @param toolName the tool to call, for {@link Kind#TOOL_CALL}
     * @param toolArguments the tool's JSON arguments
     * @param status the HTTP status, for {@link Kind#ERROR}
     * @param retryAfter the {@code retry-after} header value, or null
     * @param inputTokens reported prompt tokens
     * @param outputTokens reported completion tokens
     */
    public record Reply(
            Kind kind,
            String text,
            String toolName,
            String toolArguments,
            int status,
            String retryAfter,
            int inputTokens,
            int outputTokens) {
        /** What a reply does. */
        public enum Kind {
            TEXT,
            TOOL_CALL,
            ERROR,
            /** 200 with a body that is not JSON. */
            MALFORMED,
            /** Headers and the first part of the answer (one streamed chunk), then the connection is cut. */
            TRUNCATED,
            /** No answer at all until the double is closed. */
            STALL,
            /** Headers and the first streamed chunk, then silence until the double is closed. */
            STALL_AFTER_FIRST_TOKEN
        }

        public static Reply text(String text) {
            return new Reply(Kind.TEXT, text, null, null, 200, null, 11, text.split(" ").length);
        }

        public static Reply toolCall(String name, String argumentsJson) {
            return new Reply(Kind.TOOL_CALL, "", name, argumentsJson, 200, null, 11, 7);
        }

        public static Reply error(int status) {
            return new Reply(Kind.ERROR, "scripted error", null, null, status, null, 0, 0);
        }

        public static Reply rateLimited(String retryAfter) {
            return new Reply(Kind.ERROR, "rate limited", null, null, 429, retryAfter, 0, 0);
        }

        public static Reply malformed() {
            return new Reply(Kind.MALFORMED, "", null, null, 200, null, 0, 0);
        }

        public static Reply truncated(String text) {
            return new Reply(Kind.TRUNCATED, text, null, null, 200, null, 11, 3);
        }

        public static Reply stall() {
            return new Reply(Kind.STALL, "", null, null, 200, null, 0, 0);
        }

        public static Reply stallAfterFirstToken(String text) {
            return new Reply(Kind.STALL_AFTER_FIRST_TOKEN, text, null, null, 200, null, 11, 3);
        }

        /** The same reply reporting these token counts. */
        public Reply tokens(int input, int output) {
            return new Reply(kind, text, toolName, toolArguments, status, retryAfter, input, output);
        }
    }

    /**
     * A request the double received.
     *
     * @param path the request path and query
     * @param headers lower-case header names, first values
     * @param body the request body
     */
    public record Received(String path, Map<String, String> headers, String body) {
        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Protocol protocol;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Deque<Reply> script = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private Reply fallback = Reply.text("ok");

    private ProviderDouble(Protocol protocol) throws IOException {
        this.protocol = protocol;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a double for {@code protocol} on a free loopback port. */
    public static ProviderDouble start(Protocol protocol) {
        try {
            return new ProviderDouble(protocol);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Queues replies, answered in order; when the queue is empty, every request gets the {@link #otherwise} reply. */
    public synchronized ProviderDouble script(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** The reply once the script is used up (default: {@code Reply.text("ok")}). */
    public synchronized ProviderDouble otherwise(Reply reply) {
        this.fallback = reply;
        return this;
    }

    /** The base URL to configure the provider with (what LangChain4j's model builders take as {@code baseUrl}). */
    public String baseUrl() {
        String root = "http://127.0.0.1:" + server.getAddress().getPort();
        return switch (protocol) {
            case OPENAI, ANTHROPIC -> root + "/v1";
            case GEMINI -> root + "/v1beta";
            case OLLAMA -> root;
        };
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Every request received so far. */
    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
            Reply reply;
            synchronized (this) {
                received.add(new Received(exchange.getRequestURI().toString(), headers, body));
                reply = script.isEmpty() ? fallback : script.poll();
            }
            String path = exchange.getRequestURI().getPath();
            if (isEmbedding(path) && reply.kind() == Reply.Kind.TEXT) {
                send(exchange, 200, "application/json", embeddings(body));
                return;
            }
            boolean stream = isStream(path, body);
            answer(exchange, reply, stream);
        } catch (IOException e) {
            // the client went away (or a truncation cut the connection on purpose)
        }
    }

    private static boolean isEmbedding(String path) {
        return path.endsWith("/embeddings") || path.endsWith("/api/embed") || path.endsWith(":batchEmbedContents");
    }

    /**
     * Embedding answers (a scripted text reply, or none, means "embed"): each text's vector counts its words in
     * {@link #EMBEDDING_DIMENSION} hashed buckets, unit length, so texts sharing words lie close together.
     */
    private String embeddings(String body) throws IOException {
        JsonNode request = JSON.readTree(body);
        List<String> texts = new ArrayList<>();
        if (protocol == Protocol.GEMINI) {
            request.path("requests")
                    .forEach(r -> texts.add(
                            r.path("content").path("parts").path(0).path("text").asText()));
        } else if (request.path("input").isArray()) {
            request.path("input").forEach(t -> texts.add(t.asText()));
        } else {
            texts.add(request.path("input").asText());
        }
        var answer = JSON.createObjectNode();
        var list = protocol == Protocol.OPENAI ? answer.putArray("data") : answer.putArray("embeddings");
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] vector = embedding(texts.get(i));
            tokens += texts.get(i).split("\\s+").length;
            var values = JSON.createArrayNode();
            for (float v : vector) {
                values.add(v);
            }
            switch (protocol) {
                case OPENAI ->
                    list.addObject().put("object", "embedding").put("index", i).set("embedding", values);
                case GEMINI -> list.addObject().set("values", values);
                default -> list.add(values);
            }
        }
        if (protocol == Protocol.OPENAI) {
            answer.put("object", "list").put("model", request.path("model").asText());
            answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        } else if (protocol == Protocol.OLLAMA) {
            answer.put("model", request.path("model").asText()).put("prompt_eval_count", tokens);
        }
        return JSON.writeValueAsString(answer);
    }

    /** The vector length of the double's embeddings. */
    public static final int EMBEDDING_DIMENSION = 16;

    /** The vector the double answers for {@code text}. */
    public static float[] embedding(String text) {
        float[] vector = new float[EMBEDDING_DIMENSION];
        for (String word : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!word.isEmpty()) {
                vector[Math.floorMod(word.hashCode(), EMBEDDING_DIMENSION)] += 1;
            }
        }
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        for (int i = 0; i < vector.length && norm > 0; i++) {
            vector[i] = (float) (vector[i] / Math.sqrt(norm));
        }
        return vector;
    }

    private boolean isStream(String path, String body) {
        if (protocol == Protocol.GEMINI) {
            return path.endsWith(":streamGenerateContent");
        }
        try {
            JsonNode request = JSON.readTree(body);
            return protocol == Protocol.OLLAMA
                    ? request.path("stream").asBoolean(true)
                    : request.path("stream").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    private void answer(HttpExchange exchange, Reply reply, boolean stream) throws IOException {
        switch (reply.kind()) {
            case STALL -> {
                awaitClose();
                return;
            }
            case ERROR -> {
                if (reply.retryAfter() != null) {
                    exchange.getResponseHeaders().add("retry-after", reply.retryAfter());
                }
                send(exchange, reply.status(), "application/json", WireFormats.error(protocol, reply));
                return;
            }
            case MALFORMED -> {
                send(exchange, 200, stream ? contentType(true) : "application/json", "{\"choices\": [ {not json");
                return;
            }
            default -> {}
        }
        if (!stream) {
            String whole = WireFormats.complete(protocol, reply);
            if (reply.kind() == Reply.Kind.TRUNCATED) {
                cut(exchange, whole.substring(0, whole.length() / 2), whole.length());
            } else if (reply.kind() == Reply.Kind.STALL_AFTER_FIRST_TOKEN) {
                exchange.getResponseHeaders().add("content-type", "application/json");
                exchange.sendResponseHeaders(200, whole.length());
                exchange.getResponseBody().write(whole.substring(0, 10).getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                awaitClose();
            } else {
                send(exchange, 200, "application/json", whole);
            }
            return;
        }
        List<String> events = WireFormats.stream(protocol, reply);
        exchange.getResponseHeaders().add("content-type", contentType(true));
        if (reply.kind() == Reply.Kind.TRUNCATED) {
            String first = String.join("", events.subList(0, Math.min(2, events.size())));
            cut(exchange, first, first.length() + 10_000);
            return;
        }
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        int sent = 0;
        for (String event : events) {
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
            sent++;
            if (reply.kind() == Reply.Kind.STALL_AFTER_FIRST_TOKEN && sent == 2) {
                awaitClose();
                return;
            }
        }
    }

    private String contentType(boolean stream) {
        return stream && protocol == Protocol.OLLAMA ? "application/x-ndjson" : stream ? "text/event-stream" : "";
    }

    /** Declares {@code declared} bytes, sends fewer, and closes: the client sees the body break off. */
    private static void cut(HttpExchange exchange, String part, long declared) throws IOException {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, declared);
        exchange.getResponseBody().write(bytes);
        exchange.getResponseBody().flush();
        // Closing with bytes missing makes the JDK server drop the connection.
        exchange.close();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!type.isEmpty()) {
            exchange.getResponseHeaders().add("content-type", type);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void awaitClose() {
        try {
            closing.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
