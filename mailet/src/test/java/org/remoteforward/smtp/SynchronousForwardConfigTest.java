package org.remoteforward.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.sender.Protocol;

class SynchronousForwardConfigTest {
    private static Map<String, String> with(String... pairs) {
        Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://mx.example.com:25"));
        for (int i = 0; i < pairs.length; i += 2) {
            parameters.put(pairs[i], pairs[i + 1]);
        }
        return parameters;
    }

    @Test
    void ghostsAndRetriesFailedRecipientsInAQueueOfItsOwnUnlessTold() throws Exception {
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(with(), "relay.example.com");

        assertThat(config.afterForward()).isEmpty();
        assertThat(config.failedRecipientsProcessor()).as("retried and bounced by the relay").isEmpty();
        assertThat(config.forward().delivery().outgoingQueue()).as("not RemoteForwardMailet's").isEqualTo("remote-forward-synchronous");
        assertThat(config.forward().delivery().maxRetries()).isEqualTo(7);
        assertThat(config.sender().protocol()).isEqualTo(Protocol.SMTP);
        assertThat(config.sender().heloName()).isEqualTo("relay.example.com");
        assertThat(config.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.sender().connections().waitTimeout()).as("a client is not held in James's thread for the connect timeout")
            .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void takesTheRetryParametersForTheRecipientsItRetries() throws Exception {
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(with("delayTime", "1m, 10m", "maxRetries", "2",
            "outgoingQueue", "sync-retries", "bounceProcessor", "bounces", "errorProcessor", "errors"), "relay.example.com");

        assertThat(config.forward().delivery().maxRetries()).isEqualTo(2);
        assertThat(config.forward().delivery().outgoingQueue()).isEqualTo("sync-retries");
        assertThat(config.forward().delivery().bounceProcessor()).contains("bounces");
        assertThat(config.forward().errorProcessor()).isEqualTo("errors");
    }

    @Test
    void takesTheDistributedParametersForTheRecipientsItRetries() throws Exception {
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(with("auth", "forward", "credentialsKeyFile", "/etc/james/forward.key",
            "retryDelays", "wait-queues", "retryHoldLimit", "5m"), "relay.example.com");

        assertThat(config.forward().delivery().credentialsKeyFile()).contains(java.nio.file.Path.of("/etc/james/forward.key"));
        assertThat(config.forward().delivery().retryDelays()).isEqualTo(org.remoteforward.config.DeliverySettings.RetryDelays.WAIT_QUEUES);
        assertThat(config.forward().delivery().retryHoldLimit()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void clientIdleTimeoutAndConnectionWaitTimeoutAreRead() throws Exception {
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(with("clientIdleTimeout", "90s", "connectionWaitTimeout", "500ms"),
            "relay.example.com");

        assertThat(config.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.sender().connections().waitTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void takesTheMailetsDownstreamParametersAndItsOwn() throws Exception {
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(with("protocol", "lmtp", "afterForward", "local-copies",
            "failedRecipientsProcessor", "forward", "heloName", "relay.test", "failover", "connection",
            "maxMessagesPerMinute", "30", "maxRecipientsPerMessage", "100"), "ignored");

        assertThat(config.afterForward()).contains("local-copies");
        assertThat(config.failedRecipientsProcessor()).contains("forward");
        assertThat(config.sender().protocol()).isEqualTo(Protocol.LMTP);
        assertThat(config.sender().heloName()).isEqualTo("relay.test");
        assertThat(config.sender().limits().messagesPerMinute()).isEqualTo(30);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
            Arguments.of(with("delayTime", "soon"), "delayTime: "),
            Arguments.of(with("maxRetries", "many"), "maxRetries: 'many' is not a whole number"),
            Arguments.of(with("bounceProcessor", ""), "bounceProcessor: must name a processor"),
            Arguments.of(with("outgoingQueue", "a/b"), "outgoingQueue: 'a/b' is not a queue name"),
            Arguments.of(with("inline", "yes"), "inline: a RemoteForwardMailet parameter"),
            Arguments.of(with("failover", "temporary"), "failover: temporary is a RemoteForwardMailet setting"),
            Arguments.of(with("afterForward", " "), "afterForward: empty"),
            Arguments.of(with("failedRecipientsProcessor", ""), "failedRecipientsProcessor: empty"),
            Arguments.of(Map.of("starttls", "no"), "targets: required"),
            Arguments.of(with("commandTimeout", "30"), "commandTimeout"),
            Arguments.of(with("afterFoward", "ghost"), "afterFoward"),
            Arguments.of(with("clientIdleTimeout", "forever"), "clientIdleTimeout: 'forever' is not a duration"),
            Arguments.of(with("connectionWaitTimeout", "0s"), "connectionWaitTimeout: '0s' must be longer than zero"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badValues")
    void aBadValueIsRefusedNamingTheParameter(Map<String, String> parameters, String message) {
        assertThatThrownBy(() -> SynchronousForwardConfig.parse(parameters, "relay.example.com"))
            .isInstanceOf(InvalidConfigurationException.class).hasMessageStartingWith(message);
    }
}
