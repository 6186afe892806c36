package ai.magicode.appliance.llm;

import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import ai.magicode.appliance.llm.ProviderDouble.Reply;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The vendors' response bodies and stream events that {@link ProviderDouble} sends, built from a {@link Reply}. */
final class WireFormats {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "double-model";

    private WireFormats() {}

    static String complete(Protocol protocol, Reply reply) {
        boolean tool = reply.kind() == Reply.Kind.TOOL_CALL;
        return json(
                switch (protocol) {
                    case OPENAI ->
                        openAi(
                                "chat.completion",
                                List.of(map(
                                        "index",
                                        0,
                                        "message",
                                        openAiMessage(reply),
                                        "finish_reason",
                                        tool ? "tool_calls" : "stop")),
                                openAiUsage(reply));
                    case ANTHROPIC ->
                        anthropicMessage(
                                reply,
                                List.of(
                                        tool
                                                ? anthropicToolUse(reply, parse(reply.toolArguments()))
                                                : map("type", "text", "text", reply.text())),
                                tool ? "tool_use" : "end_turn",
                                reply.outputTokens());
                    case GEMINI -> geminiChunk(reply, tool ? null : reply.text(), true);
                    case OLLAMA -> ollamaChunk(reply, tool ? "" : reply.text(), tool, true);
                });
    }

    static List<String> stream(Protocol protocol, Reply reply) {
        boolean tool = reply.kind() == Reply.Kind.TOOL_CALL;
        List<String> pieces = tool ? List.of() : pieces(reply.text());
        List<String> events = new ArrayList<>();
        switch (protocol) {
            case OPENAI -> {
                events.add(sse(null, openAiChunk(map("role", "assistant", "content", ""), null)));
                for (String piece : pieces) {
                    events.add(sse(null, openAiChunk(map("content", piece), null)));
                }
                if (tool) {
                    events.add(openAiToolCallDelta(
                            "id",
                            "call_double",
                            "type",
                            "function",
                            "function",
                            map("name", reply.toolName(), "arguments", "")));
                    events.add(openAiToolCallDelta("function", map("arguments", reply.toolArguments())));
                }
                events.add(sse(null, openAiChunk(map(), tool ? "tool_calls" : "stop")));
                events.add(sse(null, openAi("chat.completion.chunk", List.of(), openAiUsage(reply))));
                events.add("data: [DONE]\n\n");
            }
            case ANTHROPIC -> {
                events.add(anthropicEvent("message_start", "message", anthropicMessage(reply, List.of(), null, 1)));
                if (tool) {
                    events.add(anthropicEvent(
                            "content_block_start", "index", 0, "content_block", anthropicToolUse(reply, map())));
                    events.add(anthropicEvent(
                            "content_block_delta",
                            "index",
                            0,
                            "delta",
                            map("type", "input_json_delta", "partial_json", reply.toolArguments())));
                } else {
                    events.add(anthropicEvent(
                            "content_block_start", "index", 0, "content_block", map("type", "text", "text", "")));
                    for (String piece : pieces) {
                        events.add(anthropicEvent(
                                "content_block_delta", "index", 0, "delta", map("type", "text_delta", "text", piece)));
                    }
                }
                events.add(anthropicEvent("content_block_stop", "index", 0));
                events.add(anthropicEvent(
                        "message_delta",
                        "delta",
                        map("stop_reason", tool ? "tool_use" : "end_turn", "stop_sequence", null),
                        "usage",
                        map("output_tokens", reply.outputTokens())));
                events.add(anthropicEvent("message_stop"));
            }
            case GEMINI -> {
                if (tool) {
                    events.add(sse(null, geminiChunk(reply, null, true)));
                } else {
                    for (int i = 0; i < pieces.size(); i++) {
                        events.add(sse(null, geminiChunk(reply, pieces.get(i), i == pieces.size() - 1)));
                    }
                }
            }
            case OLLAMA -> {
                if (tool) {
                    events.add(ndjson(ollamaChunk(reply, "", true, false)));
                } else {
                    for (String piece : pieces) {
                        events.add(ndjson(ollamaChunk(reply, piece, false, false)));
                    }
                }
                events.add(ndjson(ollamaChunk(reply, "", false, true)));
            }
        }
        return events;
    }

    static String error(Protocol protocol, Reply reply) {
        String message = reply.text() + " (" + reply.status() + ")";
        return json(
                switch (protocol) {
                    case OPENAI ->
                        map(
                                "error",
                                map(
                                        "message",
                                        message,
                                        "type",
                                        reply.status() == 429 ? "rate_limit_exceeded" : "server_error",
                                        "param",
                                        null,
                                        "code",
                                        null));
                    case ANTHROPIC ->
                        map(
                                "type",
                                "error",
                                "error",
                                map(
                                        "type",
                                        reply.status() == 429 ? "rate_limit_error" : "api_error",
                                        "message",
                                        message));
                    case GEMINI ->
                        map(
                                "error",
                                map(
                                        "code",
                                        reply.status(),
                                        "message",
                                        message,
                                        "status",
                                        reply.status() == 429 ? "RESOURCE_EXHAUSTED" : "INTERNAL"));
                    case OLLAMA -> map("error", message);
                });
    }

    private static Map<String, Object> openAiMessage(Reply reply) {
        if (reply.kind() == Reply.Kind.TOOL_CALL) {
            return map(
                    "role",
                    "assistant",
                    "content",
                    null,
                    "tool_calls",
                    List.of(map(
                            "id", "call_double",
                            "type", "function",
                            "function", map("name", reply.toolName(), "arguments", reply.toolArguments()))));
        }
        return map("role", "assistant", "content", reply.text());
    }

    private static Map<String, Object> openAiUsage(Reply reply) {
        return map(
                "prompt_tokens", reply.inputTokens(),
                "completion_tokens", reply.outputTokens(),
                "total_tokens", reply.inputTokens() + reply.outputTokens());
    }

    private static Map<String, Object> openAiChunk(Map<String, Object> delta, String finish) {
        return openAi("chat.completion.chunk", List.of(map("index", 0, "delta", delta, "finish_reason", finish)), null);
    }

    /** An OpenAI stream event that adds {@code fields} to the one tool call (index 0). */
    private static String openAiToolCallDelta(Object... fields) {
        Map<String, Object> call = map("index", 0);
        call.putAll(map(fields));
        return sse(null, openAiChunk(map("tool_calls", List.of(call)), null));
    }

    /** An OpenAI completion or chunk of {@code object} type; {@code usage} only when not null. */
    private static Map<String, Object> openAi(String object, List<?> choices, Map<String, Object> usage) {
        Map<String, Object> body = map(
                "id",
                "chatcmpl-double",
                "object",
                object,
                "created",
                1_700_000_000,
                "model",
                MODEL,
                "choices",
                choices);
        if (usage != null) {
            body.put("usage", usage);
        }
        return body;
    }

    /** An Anthropic message, whole or as {@code message_start} opens a stream ({@code content} empty, no stop reason). */
    private static Map<String, Object> anthropicMessage(
            Reply reply, List<?> content, String stopReason, int outputTokens) {
        return map(
                "id",
                "msg_double",
                "type",
                "message",
                "role",
                "assistant",
                "model",
                MODEL,
                "content",
                content,
                "stop_reason",
                stopReason,
                "stop_sequence",
                null,
                "usage",
                map("input_tokens", reply.inputTokens(), "output_tokens", outputTokens));
    }

    private static Map<String, Object> anthropicToolUse(Reply reply, Object input) {
        return map("type", "tool_use", "id", "toolu_double", "name", reply.toolName(), "input", input);
    }

    /** An Anthropic stream event: its name is also its {@code type}, the first field of its data. */
    private static String anthropicEvent(String type, Object... fields) {
        Map<String, Object> data = map("type", type);
        data.putAll(map(fields));
        return sse(type, data);
    }

    private static Map<String, Object> geminiChunk(Reply reply, String text, boolean last) {
        Object part = text == null
                ? map("functionCall", map("name", reply.toolName(), "args", parse(reply.toolArguments())))
                : map("text", text);
        Map<String, Object> candidate = map("content", map("parts", List.of(part), "role", "model"), "index", 0);
        if (last) {
            candidate.put("finishReason", "STOP");
        }
        Map<String, Object> chunk = map("candidates", List.of(candidate), "modelVersion", MODEL);
        if (last) {
            chunk.put(
                    "usageMetadata",
                    map(
                            "promptTokenCount", reply.inputTokens(),
                            "candidatesTokenCount", reply.outputTokens(),
                            "totalTokenCount", reply.inputTokens() + reply.outputTokens()));
        }
        return chunk;
    }

    private static Map<String, Object> ollamaChunk(Reply reply, String text, boolean tool, boolean done) {
        Map<String, Object> message = map("role", "assistant", "content", text);
        if (tool) {
            message.put(
                    "tool_calls",
                    List.of(map("function", map("name", reply.toolName(), "arguments", parse(reply.toolArguments())))));
        }
        Map<String, Object> chunk = map("model", MODEL, "created_at", "2025-01-01T00:00:00Z", "message", message);
        chunk.put("done", done);
        if (done) {
            chunk.put("done_reason", "stop");
            chunk.put("prompt_eval_count", reply.inputTokens());
            chunk.put("eval_count", reply.outputTokens());
        }
        return chunk;
    }

    private static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        String[] words = text.split("(?<= )");
        for (String word : words) {
            pieces.add(word);
        }
        return pieces;
    }

    private static String ndjson(Map<String, Object> line) {
        return json(line) + "\n";
    }

    private static String sse(String event, Map<String, Object> data) {
        return (event == null ? "" : "event: " + event + "\n") + "data: " + json(data) + "\n\n";
    }

    private static Object parse(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
