package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

class FailoverTest {
    @RegisterExtension
    final Started started = new Started();
    private static final Envelope ENVELOPE = new Envelope("a@example.com", List.of("b@example.com"));

    private ScriptedServer first;
    private ScriptedServer second;
    private DownstreamSender sender;

    /** Greets, takes one message from a@example.com to b@example.com, and QUITs. */
    static Script delivering() {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    @Test
    void aRefusedConnectionMovesOnToTheNextEndpoint() throws Exception {
        second = started.tcp(delivering());
        sender = started.sender(SettingsBuilder.to(LoopbackPorts.deadEndpoint(), second.tcpUri()));
        DeliveryResult result = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("b@example.com").endpoint().orElseThrow().toString()).isEqualTo(second.tcpUri());
    }

    @Test
    void aRefusingGreetingMovesOnToTheNextEndpoint() throws Exception {
        first = started.tcp(Script.of().send("554 5.3.2 not accepting mail").expect("QUIT").send("221 bye"));
        second = started.tcp(delivering());
        sender = started.sender(SettingsBuilder.to(first.tcpUri(), second.tcpUri()));
        DeliveryResult result = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(second.violations()).isEmpty();
    }

    @Test
    void aMissingStarttlsMovesOnToTheNextEndpoint() throws Exception {
        first = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250 mx.test").expect("QUIT").send("221 bye"));
        second = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250 mx.test").expect("QUIT").send("221 bye"));
        sender = started.sender(SettingsBuilder.to(first.tcpUri(), second.tcpUri()).starttls());
        DeliveryResult result = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));

        assertThat(first.onlyConversation().commands).containsExactly("EHLO localhost", "QUIT");
        assertThat(second.onlyConversation().commands).containsExactly("EHLO localhost", "QUIT");
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void whenAllFailTheFailureIsTemporaryAndNamesEachEndpointWithItsReason() throws Exception {
        String dead = LoopbackPorts.deadEndpoint();
        first = started.tcp(Script.of().send("421 4.3.2 busy").expect("QUIT").send("221 bye"));
        String deadToo = LoopbackPorts.deadEndpoint();
        sender = started.sender(SettingsBuilder.to(dead, first.tcpUri(), deadToo));
        DeliveryResult result = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.detail())
            .contains(dead + ": cannot connect")
            .contains(first.tcpUri() + ": greeted with 421 4.3.2 busy")
            .contains(deadToo + ": cannot connect");
        assertThat(b.endpoint()).isEmpty();
    }
}
