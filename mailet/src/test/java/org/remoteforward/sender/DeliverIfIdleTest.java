package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * {@link DownstreamSender#deliverIfIdle}: what {@code inline idle} stands on. It sends only on a
 * session that waits idle for the endpoint {@code deliver} would use, and otherwise connects to
 * nothing, sends nothing and says so, so that James's spool thread is never held by a connect.
 */
class DeliverIfIdleTest {
    private static final Envelope TO_B = new Envelope("a@example.com", List.of("b@example.com"));

    @RegisterExtension
    final Started started = new Started();

    private static ConnectionSettings pooled(Duration backoff) {
        return new ConnectionSettings(true, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, backoff, false, false, Duration.ofSeconds(5));
    }

    @Test
    void withNoSessionIdleNothingIsConnectedToOrSent() throws Exception {
        ScriptedServer server = started.tcp(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted()).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(Duration.ZERO)));

        assertThat(sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE))).isEmpty();

        // deliver's own connection is the first the server ever sees
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        sender.close();
        assertThat(server.conversations()).hasSize(1);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void anIdleSessionCarriesTheMessageByteIdentical() throws Exception {
        String second = "Subject: second\r\n\r\nover the idle session\r\n";
        ScriptedServer server = started.tcp(ConnectionReuseTest.delivering(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted())).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(Duration.ZERO)));
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();

        Optional<DeliveryResult> result = sender.deliverIfIdle(TO_B, Messages.of(second));

        assertThat(result).hasValueSatisfying(delivered -> assertThat(delivered.failed()).isEmpty());
        assertThat(sender.idleSessions()).as("back in the pool").isEqualTo(1);
        sender.close();
        assertThat(server.onlyConversation().messages).last().extracting(bytes -> new String(bytes, StandardCharsets.UTF_8)).isEqualTo(second);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void withSessionReuseOffNoSessionIsEverIdle() throws Exception {
        ScriptedServer server = started.tcp(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted()).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri())
            .connections(new ConnectionSettings(false, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 1, Duration.ZERO, false, false)));
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();

        assertThat(sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE))).isEmpty();
        sender.close();
        assertThat(server.conversations()).hasSize(1);
    }

    /**
     * Targets are an order: an idle session to the second endpoint serves only while the first is
     * backing off. Once it may be tried again, deliver would connect to it, so deliverIfIdle
     * declines rather than take the second's session or connect to the first itself.
     */
    @Test
    void anIdleSessionToALaterEndpointServesOnlyWhileTheFirstIsBackingOff() throws Exception {
        ScriptedServer first = started.tcp(List.of(Script.of().send("554 5.3.2 not now").expect("QUIT").send("221 bye"),
            ConnectionReuseTest.delivering(ConnectionReuseTest.greeted()).expect("QUIT").send("221 bye")));
        ScriptedServer second = started.tcp(ConnectionReuseTest.delivering(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted())).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(first.tcpUri(), second.tcpUri()).connections(pooled(Duration.ofMillis(400))));
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).endpoint()).hasValueSatisfying(e -> assertThat(e.toString()).contains(
            String.valueOf(second.port())));

        assertThat(sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE)))
            .as("the first endpoint backs off: the second's idle session serves")
            .hasValueSatisfying(result -> assertThat(result.failed()).isEmpty());

        Thread.sleep(600);
        assertThat(sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE))).as("the first may be tried again").isEmpty();
        assertThat(first.conversations()).as("deliverIfIdle never connects").hasSize(1);
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        sender.close();
        assertThat(first.awaitConversations(2)).as("deliver connected to it again").hasSize(2);
        assertThat(second.onlyConversation().messages).hasSize(2);
    }

    @Test
    void aTransactionRefusedBeforeItStartsGivesItsIdleSessionBack() throws Exception {
        ScriptedServer server = started.tcp(ConnectionReuseTest.delivering(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted())).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(Duration.ZERO)));
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();

        Optional<DeliveryResult> refused = sender.deliverIfIdle(new Envelope("a b@example.com", List.of("b@example.com")),
            Messages.of(Messages.SIMPLE));

        assertThat(refused).hasValueSatisfying(result -> assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE));
        assertThat(sender.idleSessions()).as("the session it was given waits for the next").isEqualTo(1);
        assertThat(sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE))).hasValueSatisfying(result -> assertThat(result.failed()).isEmpty());
        sender.close();
        assertThat(server.onlyConversation().messages).hasSize(2);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aStaleIdleSessionIsReplacedAndTheMessageStillGoesOut() throws Exception {
        ScriptedServer server = started.tcp(List.of(ConnectionReuseTest.delivering(ConnectionReuseTest.greeted()).drop(), ConnectionReuseTest.delivering(ConnectionReuseTest.greeted()).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(Duration.ZERO)));
        assertThat(sender.deliver(TO_B, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        server.awaitConversations(1);
        Thread.sleep(200);

        Optional<DeliveryResult> result = sender.deliverIfIdle(TO_B, Messages.of(Messages.SIMPLE));

        assertThat(result).hasValueSatisfying(delivered -> assertThat(delivered.failed()).isEmpty());
        sender.close();
        assertThat(server.awaitConversations(2)).hasSize(2);
    }
}
