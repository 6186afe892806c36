package ai.magicode.appliance.llm;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One model call as the agent asks for it: who and what it is for (routing and accounting look at these), the
 * conversation, the tools offered, and optionally a consumer of streamed tokens. Build with {@link #builder}.
 *
 * @param tenant the tenant the call serves
 * @param repo the repository ({@code owner/name}), or empty
 * @param classifications the repository's classifications, e.g. {@code confidential}
 * @param task plan, edit, review, embed or summarize
 * @param user the acting user's id, or empty
 * @param roles the acting user's roles, lower case
 * @param job the job id, or empty
 * @param messages the conversation, oldest first
 * @param tools the tools the model may call
 * @param maxOutputTokens the most tokens the answer may have (also the cost estimate's output size)
 * @param onToken receives streamed text as it arrives; empty: no streaming
 * @param requestId the HTTP request id that caused the call, or {@code -}
 */
public record ChatRequest(
        String tenant,
        String repo,
        Set<String> classifications,
        String task,
        String user,
        Set<String> roles,
        String job,
        List<Message> messages,
        List<Tool> tools,
        int maxOutputTokens,
        Optional<Consumer<String>> onToken,
        String requestId) {
    public ChatRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
        classifications = Set.copyOf(classifications);
        roles = Set.copyOf(roles);
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        if (!RoutingPolicy.TASKS.contains(task)) {
            throw new LlmException(LlmException.Kind.INVALID, "task must be one of " + RoutingPolicy.TASKS);
        }
        if (messages.isEmpty()) {
            throw new LlmException(LlmException.Kind.INVALID, "a chat needs at least one message");
        }
    }

    /** Whether tokens are streamed. */
    public boolean stream() {
        return onToken.isPresent();
    }

    /** Starts a request for {@code tenant} and {@code task} with one user message. */
    public static Builder builder(String tenant, String task) {
        return new Builder(tenant, task);
    }

    /**
     * One message of the conversation.
     *
     * @param role system, user, assistant or tool
     * @param text its text (for tool: the tool's result)
     * @param toolCalls for assistant messages that called tools
     * @param toolCallId for tool messages: the call answered
     * @param toolName for tool messages: the tool that ran
     */
    public record Message(String role, String text, List<ToolCall> toolCalls, String toolCallId, String toolName) {
        public Message {
            Objects.requireNonNull(role, "role");
            text = text == null ? "" : text;
            toolCalls = List.copyOf(toolCalls);
        }

        public static Message system(String text) {
            return new Message("system", text, List.of(), null, null);
        }

        public static Message user(String text) {
            return new Message("user", text, List.of(), null, null);
        }

        public static Message assistant(String text, List<ToolCall> calls) {
            return new Message("assistant", text, calls, null, null);
        }

        public static Message toolResult(ToolCall call, String result) {
            return new Message("tool", result, List.of(), call.id(), call.name());
        }
    }

    /**
     * A tool the model may call.
     *
     * @param name its name
     * @param description what it does
     * @param parameters its parameters by name, each a JSON type ({@code string}, {@code integer}, {@code number},
     *     {@code boolean}); all required
     */
    public record Tool(String name, String description, Map<String, String> parameters) {
        public Tool {
            parameters = Map.copyOf(parameters);
        }
    }

    /**
     * A tool call the model asked for.
     *
     * @param id the provider's call id
     * @param name the tool
     * @param arguments its arguments as JSON
     */
    public record ToolCall(String id, String name, String arguments) {}

    /** Fluent construction with defaults: no repo, user, job, tools or streaming; 1024 output tokens. */
    public static final class Builder {
        private final String tenant;
        private final String task;
        private String repo = "";
        private Set<String> classifications = Set.of();
        private String user = "";
        private Set<String> roles = Set.of();
        private String job = "";
        private List<Message> messages = List.of();
        private List<Tool> tools = List.of();
        private int maxOutputTokens = 1024;
        private Consumer<String> onToken;
        private String requestId = "-";

        private Builder(String tenant, String task) {
            this.tenant = tenant;
            this.task = task;
        }

        public Builder repo(String repo, Set<String> classifications) {
            this.repo = repo;
            this.classifications = classifications;
            return this;
        }

        public Builder user(String user, Set<String> roles) {
            this.user = user;
            this.roles = roles;
            return this;
        }

        public Builder job(String job) {
            this.job = job;
            return this;
        }

        public Builder messages(List<Message> messages) {
            this.messages = messages;
            return this;
        }

        public Builder prompt(String text) {
            this.messages = List.of(Message.user(text));
            return this;
        }

        public Builder tools(List<Tool> tools) {
            this.tools = tools;
            return this;
        }

        public Builder maxOutputTokens(int tokens) {
            this.maxOutputTokens = tokens;
            return this;
        }

        public Builder stream(Consumer<String> onToken) {
            this.onToken = onToken;
            return this;
        }

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(
                    tenant,
                    repo,
                    classifications,
                    task,
                    user,
                    roles,
                    job,
                    messages,
                    tools,
                    maxOutputTokens,
                    Optional.ofNullable(onToken),
                    requestId);
        }
    }
}
