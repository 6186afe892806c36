package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.Forwarder;
import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import ai.magicode.appliance.llm.ProviderDouble.Reply;
import ai.magicode.appliance.secrets.TlsCertificates;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider's transport settings are what its calls use: {@code ca-file} is the only trust for a private HTTPS
 * endpoint (a self-signed one is refused without it), and {@code proxy} carries every request.
 */
class ProviderTransportIT {
    private static final String POLICY = """
            {"rules": [{"name": "default", "match": {}, "models": ["openai/gpt-4.1-mini"]}]}""";

    @TempDir
    Path dir;

    @Test
    void trustsAPrivateEndpointThroughItsCaFileAndRefusesItWithout() throws Exception {
        TlsCertificates.SelfSigned certificate =
                TlsCertificates.selfSigned(List.of("localhost", "127.0.0.1"), dir.resolve("tls"), true);
        try (ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                Forwarder front = Forwarder.tlsFront(
                        certificate.certFile(), certificate.keyFile(), URI.create(openai.baseUrl()))) {
            URI https = URI.create("https://localhost:" + front.port() + "/v1");
            openai.script(Reply.text("over tls"));
            try (GatewayFixture fixture =
                    fixture("trusted", https, Optional.of(certificate.certFile()), Optional.empty())) {
                ChatResult.Answered answer =
                        assertInstanceOf(ChatResult.Answered.class, fixture.gateway.chat(request()));
                assertEquals("over tls", answer.text());
            }
            assertEquals(List.of(URI.create("/v1/chat/completions")), front.seen());

            try (GatewayFixture fixture = fixture("untrusted", https, Optional.empty(), Optional.empty())) {
                LlmException refused = assertThrows(LlmException.class, () -> fixture.gateway.chat(request()));
                assertEquals(LlmException.Kind.ALL_FAILED, refused.kind());
                assertFalse(
                        refused.getMessage().contains("\tat "),
                        "no stack trace in the message: " + refused.getMessage());
            }
            assertEquals(1, front.seen().size(), "the JDK's trust store does not accept the self-signed endpoint");
            assertEquals(1, openai.received().size());
        }
    }

    @Test
    void aCaFileThatHoldsNoCertificateIsNamedInTheError() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        try (GatewayFixture fixture =
                fixture("bad-ca", URI.create("https://localhost:9/v1"), Optional.of(notPem), Optional.empty())) {
            LlmException failure = assertThrows(LlmException.class, () -> fixture.gateway.chat(request()));
            String messages = failure.getMessage()
                    + List.of(failure.getSuppressed()).stream()
                            .map(Throwable::getMessage)
                            .toList();
            assertTrue(messages.contains("llm.openai.ca-file"), messages);
        }
    }

    @Test
    void sendsEveryRequestThroughTheConfiguredProxy() throws Exception {
        try (ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                Forwarder proxy = Forwarder.proxy()) {
            openai.script(Reply.text("via proxy"));
            try (GatewayFixture fixture = fixture(
                    "proxied",
                    URI.create(openai.baseUrl()),
                    Optional.empty(),
                    Optional.of("127.0.0.1:" + proxy.port()))) {
                ChatResult.Answered answer =
                        assertInstanceOf(ChatResult.Answered.class, fixture.gateway.chat(request()));
                assertEquals("via proxy", answer.text());
            }
            assertEquals(List.of(URI.create(openai.baseUrl() + "/chat/completions")), proxy.seen());
            assertEquals(1, openai.received().size());
        }
    }

    private GatewayFixture fixture(String name, URI baseUrl, Optional<Path> caFile, Optional<String> proxy) {
        LlmConfig defaults = DoubleSetup.create().config();
        Map<String, LlmConfig.Provider> providers = new LinkedHashMap<>(defaults.providers());
        providers.put(
                "openai",
                new LlmConfig.Provider(
                        "openai", true, baseUrl, Optional.empty(), Duration.ofSeconds(5), caFile, proxy, false, 0, 0));
        LlmConfig config = new LlmConfig(defaults.airGapped(), defaults.localHosts(), defaults.priceFile(), providers);
        return new GatewayFixture(dir.resolve(name), config).policy(POLICY);
    }

    private static ChatRequest request() {
        return ChatRequest.builder("acme", "summarize").prompt("say hello").build();
    }
}
