package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import ai.magicode.appliance.llm.ProviderDouble.Reply;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The doubles speak each vendor's format as LangChain4j's own clients (which encode the vendors' published formats)
 * read it: text, tool calls and token counts, whole and streamed.
 */
class ProviderDoubleIT {
    private static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("weather")
            .description("the weather in a city")
            .parameters(JsonObjectSchema.builder()
                    .addStringProperty("city")
                    .required("city")
                    .build())
            .build();

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void answersTextThroughTheRealClient(Protocol protocol) {
        try (ProviderDouble server = ProviderDouble.start(protocol)) {
            server.script(Reply.text("hello from the double").tokens(13, 4));
            ChatResponse response =
                    providers(server, protocol).chat(spec(protocol), false).chat(request(false));
            assertEquals("hello from the double", response.aiMessage().text());
            assertEquals(13, response.tokenUsage().inputTokenCount());
            assertEquals(4, response.tokenUsage().outputTokenCount());
            assertTrue(server.received().getFirst().body().contains("what is up"), "the prompt reached the double");
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void answersToolCallsThroughTheRealClient(Protocol protocol) {
        try (ProviderDouble server = ProviderDouble.start(protocol)) {
            server.script(Reply.toolCall("weather", "{\"city\":\"Paris\"}"));
            ChatResponse response =
                    providers(server, protocol).chat(spec(protocol), false).chat(request(true));
            List<ToolExecutionRequest> calls = response.aiMessage().toolExecutionRequests();
            assertEquals(1, calls.size());
            assertEquals("weather", calls.getFirst().name());
            assertTrue(calls.getFirst().arguments().replace(" ", "").contains("\"city\":\"Paris\""));
            assertTrue(server.received().getFirst().body().contains("weather"), "the tool was offered");
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void streamsTextThroughTheRealClient(Protocol protocol) throws Exception {
        try (ProviderDouble server = ProviderDouble.start(protocol)) {
            server.script(Reply.text("one two three").tokens(9, 3));
            List<String> tokens = new CopyOnWriteArrayList<>();
            ChatResponse response = stream(providers(server, protocol), protocol, request(false), tokens);
            assertEquals("one two three", response.aiMessage().text());
            assertEquals(String.join("", tokens), "one two three");
            assertTrue(tokens.size() >= 3, () -> "streamed in pieces: " + tokens);
            assertEquals(3, response.tokenUsage().outputTokenCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void streamsToolCallsThroughTheRealClient(Protocol protocol) throws Exception {
        try (ProviderDouble server = ProviderDouble.start(protocol)) {
            server.script(Reply.toolCall("weather", "{\"city\":\"Oslo\"}"));
            ChatResponse response =
                    stream(providers(server, protocol), protocol, request(true), new CopyOnWriteArrayList<>());
            List<ToolExecutionRequest> calls = response.aiMessage().toolExecutionRequests();
            assertEquals(1, calls.size());
            assertEquals("weather", calls.getFirst().name());
            assertTrue(calls.getFirst().arguments().replace(" ", "").contains("\"city\":\"Oslo\""));
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void recordsEveryRequest(Protocol protocol) {
        try (ProviderDouble server = ProviderDouble.start(protocol)) {
            Providers providers = providers(server, protocol);
            providers.chat(spec(protocol), false).chat(request(false));
            providers.chat(spec(protocol), false).chat(request(false));
            assertEquals(2, server.received().size());
            assertFalse(server.received().getFirst().path().isEmpty());
        }
    }

    static ChatResponse stream(Providers providers, Protocol protocol, ChatRequest request, List<String> tokens)
            throws Exception {
        return providers.stream(spec(protocol), false, request, tokens::add).get(10, TimeUnit.SECONDS);
    }

    static ChatRequest request(boolean tools) {
        ChatRequest.Builder builder = ChatRequest.builder().messages(UserMessage.from("what is up"));
        if (tools) {
            builder.toolSpecifications(WEATHER);
        }
        return builder.build();
    }

    static ModelSpec spec(Protocol protocol) {
        String provider = DoubleSetup.name(protocol);
        return new ModelSpec(provider + "/double-model", provider, "double-model", true, true, 8192, false, 1, 2, true);
    }

    static Providers providers(ProviderDouble server, Protocol protocol) {
        LlmConfig config = DoubleSetup.create().provider(server, protocol, true).config();
        EgressGuard guard = new EgressGuard(false, config.localHosts(), event -> {});
        return new Providers(config.providers(), guard, name -> Optional.of("test-key"), List.of());
    }
}
