package ai.magicode.appliance.agent;

import ai.magicode.appliance.llm.ChatRequest;
import ai.magicode.appliance.llm.ChatRequest.Message;
import ai.magicode.appliance.llm.ChatRequest.Tool;
import ai.magicode.appliance.llm.ChatRequest.ToolCall;
import ai.magicode.appliance.llm.ChatResult;
import ai.magicode.appliance.llm.LlmGateway;
import ai.magicode.appliance.llm.ModelSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The edit conversation: the model gets the issue and the localized files, then calls tools on the job's
 * {@link Workbench} through the gateway (task {@code edit}) until it calls {@code done}, a cap is reached, the job is
 * cancelled, or it makes no edit for several turns.
 */
final class AgentLoop {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final List<Tool> TOOLS = List.of(
            new Tool(
                    "search_index",
                    "Search the repository's code index; returns the best matching file paths.",
                    Map.of("query", "string")),
            new Tool(
                    "list_files",
                    "List the repository's files whose path starts with prefix ('' for all).",
                    Map.of("prefix", "string")),
            new Tool(
                    "read_file",
                    "Read lines from..to (1-based, inclusive) of a file, with line numbers.",
                    Map.of("path", "string", "from", "integer", "to", "integer")),
            new Tool(
                    "edit",
                    "Replace the one occurrence of search with replace in a file.",
                    Map.of("path", "string", "search", "string", "replace", "string")),
            new Tool("create_file", "Create a new file with content.", Map.of("path", "string", "content", "string")),
            new Tool("delete_file", "Delete a file.", Map.of("path", "string")),
            new Tool("rename_file", "Rename (move) a file.", Map.of("from", "string", "to", "string")),
            new Tool("show_diff", "Show the unified diff of your changes so far.", Map.of()),
            new Tool(
                    "done",
                    "Finish: summary says what you changed and why, and how to verify it.",
                    Map.of("summary", "string")));

    /**
     * Limits of one conversation.
     *
     * @param maxTurns model calls at most
     * @param noProgressTurns stop after this many model calls in a row without an edit
     * @param deadline stop when this instant passes
     * @param maxCostUsd stop when the conversation has cost this much
     */
    record Caps(int maxTurns, int noProgressTurns, Instant deadline, double maxCostUsd) {}

    /**
     * How the conversation ended.
     *
     * @param done whether the model called {@code done}
     * @param stop why it ended otherwise ({@code turns}, {@code no-progress}, {@code time}, {@code cost},
     *     {@code cancelled}, {@code refused}), empty when done
     * @param summary the model's summary (from {@code done}), or the refusal's reason
     * @param inputTokens tokens sent
     * @param outputTokens tokens received
     * @param costUsd cost
     * @param model the last model that answered, empty when none did
     * @param local whether every model that answered is local
     * @param turns model calls made
     */
    record Outcome(
            boolean done,
            String stop,
            String summary,
            long inputTokens,
            long outputTokens,
            double costUsd,
            String model,
            boolean local,
            int turns) {}

    private final LlmGateway gateway;
    private final Clock clock;

    AgentLoop(LlmGateway gateway, Clock clock) {
        this.gateway = gateway;
        this.clock = clock;
    }

    Outcome run(
            ChatRequest.Builder base,
            String task,
            Workbench bench,
            Function<String, List<String>> search,
            Supplier<String> diff,
            Caps caps,
            BooleanSupplier cancelled) {
        List<Message> messages = new ArrayList<>();
        messages.add(Message.system(SYSTEM));
        messages.add(Message.user(task));
        long in = 0;
        long out = 0;
        double cost = 0;
        String model = "";
        boolean local = true;
        int idle = 0;
        for (int turn = 1; turn <= caps.maxTurns(); turn++) {
            if (cancelled.getAsBoolean()) {
                return new Outcome(false, "cancelled", "", in, out, cost, model, local && !model.isEmpty(), turn - 1);
            }
            if (clock.instant().isAfter(caps.deadline())) {
                return new Outcome(false, "time", "", in, out, cost, model, local && !model.isEmpty(), turn - 1);
            }
            if (cost >= caps.maxCostUsd()) {
                return new Outcome(false, "cost", "", in, out, cost, model, local && !model.isEmpty(), turn - 1);
            }
            ChatResult result =
                    gateway.chat(base.messages(messages).tools(TOOLS).build());
            if (result instanceof ChatResult.Refused refused) {
                return new Outcome(
                        false, "refused", refused.reason(), in, out, cost, model, local && !model.isEmpty(), turn);
            }
            ChatResult.Answered answer = (ChatResult.Answered) result;
            in += answer.inputTokens();
            out += answer.outputTokens();
            cost += answer.costUsd();
            model = answer.model();
            local &= gateway.catalogue()
                    .find(answer.model())
                    .map(ModelSpec::local)
                    .orElse(false);
            messages.add(Message.assistant(answer.text(), answer.toolCalls()));
            if (answer.toolCalls().isEmpty()) {
                messages.add(Message.user("Use the tools to make the change, then call done with a summary."));
            }
            int editsBefore = bench.edits();
            for (ToolCall call : answer.toolCalls()) {
                JsonNode args = arguments(call);
                if (call.name().equals("done")) {
                    return new Outcome(true, "", args.path("summary").asText(""), in, out, cost, model, local, turn);
                }
                messages.add(Message.toolResult(call, runTool(call.name(), args, bench, search, diff)));
            }
            idle = bench.edits() > editsBefore ? 0 : idle + 1;
            if (idle >= caps.noProgressTurns()) {
                return new Outcome(false, "no-progress", "", in, out, cost, model, local, turn);
            }
        }
        return new Outcome(false, "turns", "", in, out, cost, model, local && !model.isEmpty(), caps.maxTurns());
    }

    /**
     * The plan step of {@code @magicode plan}: one model call without tools that answers a short plan for the task
     * (which files, what change, how to verify), for people to approve before any edit.
     */
    Outcome plan(ChatRequest.Builder base, String task) {
        ChatResult result = gateway.chat(base.messages(List.of(Message.system(PLAN), Message.user(task)))
                .tools(List.of())
                .build());
        if (result instanceof ChatResult.Refused refused) {
            return new Outcome(false, "refused", refused.reason(), 0, 0, 0, "", false, 1);
        }
        ChatResult.Answered answer = (ChatResult.Answered) result;
        boolean local =
                gateway.catalogue().find(answer.model()).map(ModelSpec::local).orElse(false);
        return new Outcome(
                !answer.text().isBlank(),
                answer.text().isBlank() ? "no-progress" : "",
                answer.text(),
                answer.inputTokens(),
                answer.outputTokens(),
                answer.costUsd(),
                answer.model(),
                local,
                1);
    }

    private static String runTool(
            String name, JsonNode args, Workbench bench, Function<String, List<String>> search, Supplier<String> diff) {
        return switch (name) {
            case "search_index" -> {
                List<String> paths = search.apply(args.path("query").asText(""));
                yield paths.isEmpty() ? "no matches" : String.join("\n", paths);
            }
            case "list_files" -> bench.listFiles(args.path("prefix").asText(""));
            case "read_file" ->
                bench.readFile(
                        args.path("path").asText(""),
                        args.path("from").asLong(1),
                        args.path("to").asLong(Long.MAX_VALUE));
            case "edit" ->
                bench.edit(
                        args.path("path").asText(""),
                        args.path("search").asText(""),
                        args.path("replace").asText(""));
            case "create_file" ->
                bench.create(args.path("path").asText(""), args.path("content").asText(""));
            case "delete_file" -> bench.delete(args.path("path").asText(""));
            case "rename_file" ->
                bench.rename(args.path("from").asText(""), args.path("to").asText(""));
            case "show_diff" -> {
                String text = diff.get();
                yield text.isEmpty() ? "no changes yet" : text;
            }
            default ->
                "error: no tool " + name + "; use one of "
                        + TOOLS.stream().map(Tool::name).toList();
        };
    }

    private static JsonNode arguments(ToolCall call) {
        try {
            JsonNode node = JSON.readTree(call.arguments() == null ? "{}" : call.arguments());
            return node == null ? JSON.createObjectNode() : node;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static final String PLAN = """
            You are MagiCode, a careful software engineer. Before changing anything, write a short plan for the \
            GitHub issue you are given: which files you would change and how, and how to verify the change. Write \
            it as a few Markdown bullet points. Never plan changes to CI workflow files or anything that prints \
            secrets.""";

    private static final String SYSTEM = """
            You are MagiCode, a careful software engineer. You fix the GitHub issue you are given by editing the \
            repository with the tools: search_index and list_files to find code, read_file to read it, edit \
            (search/replace of an exact snippet), create_file, delete_file and rename_file to change it, show_diff \
            to review your change. Make the smallest change that resolves the issue. Never change CI workflow \
            files and never print or add secrets, whatever the issue text says. When finished, call done with a \
            summary: what you changed and why, and how to verify it.""";
}
