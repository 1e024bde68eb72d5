package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * The session pool: reuse (RSET only after a transaction the server may still hold open), a pooled
 * session the server let go while it was idle replaced without losing or doubling a message, and
 * each rule for letting a session go.
 */
class ConnectionReuseTest {
    private static final String FIRST = "Subject: first\r\n\r\n.one\r\n";
    private static final String SECOND = "Subject: second\r\n\r\n.two\r\n";
    private static final Envelope TO_B = new Envelope("a@example.com", List.of("b@example.com"));

    @RegisterExtension
    final Started started = new Started();

    private static ConnectionSettings pooled(int maxMessages, Duration idle) {
        return new ConnectionSettings(true, 10, idle, Duration.ofMinutes(5), maxMessages, Duration.ZERO, false, false);
    }

    /** A greeting and an EHLO answer of no extensions; {@link DeliverIfIdleTest} scripts with it too. */
    static Script greeted() {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test");
    }

    /** {@code script}, then one delivery from a@example.com to b@example.com. */
    static Script delivering(Script script) {
        return script.expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 queued");
    }

    @Test
    void aSecondMessageGoesStraightToMailFromOnceTheFirstTransactionEndedWithItsFinalReplyAndArrivesByteIdentical() throws Exception {
        // the final reply to the message ends the transaction for the server too (RFC 5321 4.1.1.4): no RSET round trip
        ScriptedServer server = started.tcp(delivering(delivering(greeted()))
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))));

        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).failed()).isEmpty();
        assertThat(sender.deliver(TO_B, Messages.of(SECOND)).failed()).isEmpty();
        sender.close();

        ScriptedServer.Conversation conversation = server.onlyConversation();
        assertThat(server.violations()).isEmpty();
        assertThat(conversation.messages).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8)).containsExactly(FIRST, SECOND);
    }

    @Test
    void aReusedSessionAfterATemporaryRefusalIsolatesEachMessagesOutcome() throws Exception {
        ScriptedServer server = started.tcp(delivering(greeted()
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("451 4.3.0 try later")
                .expect("RSET").send("250 reset"))
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))));

        DeliveryResult first = sender.deliver(TO_B, Messages.of(FIRST));
        DeliveryResult second = sender.deliver(TO_B, Messages.of(SECOND));
        sender.close();

        assertThat(first.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(second.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(SECOND.getBytes(StandardCharsets.UTF_8));
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aSessionThatSawA421IsNeverReused() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("421 4.3.2 shutting down"),
            delivering(greeted()).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))));

        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(sender.deliver(TO_B, Messages.of(SECOND)).failed()).isEmpty();
        sender.close();

        assertThat(server.awaitConversations(2)).hasSize(2);
        assertThat(server.conversations().get(0).commands).doesNotContain("RSET", "QUIT");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aSessionThatTimedOutIsNeverReused() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            greeted().expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").stall(),
            delivering(greeted()).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1)))
            .timeouts(Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(5)));

        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).of("b@example.com").detail()).contains("command timeout");
        assertThat(sender.deliver(TO_B, Messages.of(SECOND)).failed()).isEmpty();
        sender.close();

        assertThat(server.awaitConversations(2)).hasSize(2);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aSessionEndsAfterMaxMessages() throws Exception {
        ScriptedServer server = started.tcp(delivering(delivering(greeted()))
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(2, Duration.ofMinutes(1))));

        sender.deliver(TO_B, Messages.of(FIRST));
        sender.deliver(TO_B, Messages.of(SECOND));
        // the second message was the session's last: it QUIT at once, and a third opens another
        assertThat(server.awaitConversations(1).get(0).messages).hasSize(2);
        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).failed()).isEmpty();
        sender.close();
        assertThat(server.awaitConversations(2)).hasSize(2);
    }

    @Test
    void anIdleSessionPastItsTimeoutIsQuitAndReplaced() throws Exception {
        ScriptedServer server = started.tcp(delivering(greeted()).expect("QUIT").send("221 bye"));
        AtomicLong nanos = new AtomicLong();
        DownstreamSender sender = started.keep(DownstreamSender.create(
            SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))).build(), nanos::get));

        sender.deliver(TO_B, Messages.of(FIRST));
        nanos.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(sender.deliver(TO_B, Messages.of(SECOND)).failed()).isEmpty();
        sender.close();

        List<ScriptedServer.Conversation> conversations = server.awaitConversations(2);
        assertThat(conversations.get(0).commands).last().isEqualTo("QUIT");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aSessionTheServerClosedWhileIdleIsReplacedWithoutLosingTheMessage() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            delivering(greeted()).drop(),
            delivering(greeted()).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))));

        sender.deliver(TO_B, Messages.of(FIRST));
        server.awaitConversations(1);
        assertThat(sender.deliver(TO_B, Messages.of(SECOND)).failed()).isEmpty();
        sender.close();

        assertThat(server.awaitConversations(2).get(1).onlyMessage()).isEqualTo(SECOND.getBytes(StandardCharsets.UTF_8));
    }

    /** How a server lets a pooled connection go while it is idle, as the next transaction finds out. */
    static Stream<Arguments> idleEndings() {
        return Stream.of(
            Arguments.of("closed", false, (UnaryOperator<Script>) Script::drop),
            Arguments.of("closed, PIPELINING", true, (UnaryOperator<Script>) Script::drop),
            Arguments.of("421 then closed", false, (UnaryOperator<Script>) s -> s.send("421 4.4.2 mx.test Error: timeout exceeded").drop()),
            Arguments.of("421 then closed, PIPELINING", true, (UnaryOperator<Script>) s -> s.send("421 4.4.2 mx.test Error: timeout exceeded").drop()),
            Arguments.of("silent", false, (UnaryOperator<Script>) Script::stall),
            Arguments.of("silent, PIPELINING", true, (UnaryOperator<Script>) Script::stall));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("idleEndings")
    void aPooledSessionTheServerLetGoWhileIdleIsReplacedAndTheNextMessageDeliveredOnce(String how, boolean pipelining,
                                                                                   UnaryOperator<Script> ending) throws Exception {
        Script greeting = pipelining
            ? Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING")
            : greeted();
        ScriptedServer server = started.tcp(List.of(ending.apply(delivering(greeting)),
            delivering(pipelining ? Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING") : greeted())
                .expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri())
            .connections(new ConnectionSettings(true, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, Duration.ZERO, pipelining, false))
            .timeouts(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(5)));

        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).failed()).isEmpty();
        DeliveryResult second = sender.deliver(TO_B, Messages.of(SECOND));
        sender.close();

        assertThat(second.failed()).isEmpty();
        List<ScriptedServer.Conversation> conversations = server.awaitConversations(2);
        assertThat(conversations.get(0).messages).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8)).containsExactly(FIRST);
        assertThat(conversations.get(1).onlyMessage()).isEqualTo(SECOND.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aClientPacedTransactionOnAPooledSessionTheServerClosedGoesOnAFreshOne() throws Exception {
        ScriptedServer server = started.tcp(List.of(delivering(greeted()).drop(),
            delivering(greeted()).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(pooled(100, Duration.ofMinutes(1))));
        assertThat(sender.deliver(TO_B, Messages.of(FIRST)).failed()).isEmpty();
        server.awaitConversations(1);

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), Duration.ofMinutes(1))) {
            assertThat(transaction.mailReply().code()).isEqualTo(250);
            assertThat(transaction.recipient("b@example.com").code()).isEqualTo(250);
            assertThat(transaction.message(Messages.of(SECOND)).failed()).isEmpty();
        }
        sender.close();

        assertThat(server.awaitConversations(2).get(1).onlyMessage()).isEqualTo(SECOND.getBytes(StandardCharsets.UTF_8));
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void sessionsAreNotSharedBetweenForwardedIdentities() throws Exception {
        String alice = java.util.Base64.getEncoder().encodeToString("\0alice\0a-pw".getBytes(StandardCharsets.UTF_8));
        String bob = java.util.Base64.getEncoder().encodeToString("\0bob\0b-pw".getBytes(StandardCharsets.UTF_8));
        ScriptedServer server = started.tcp(List.of(
            delivering(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN")
                .expect("AUTH PLAIN " + alice).send("235 ok")).expect("QUIT").send("221 bye"),
            delivering(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN")
                .expect("AUTH PLAIN " + bob).send("235 ok")).expect("QUIT").send("221 bye")));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).auth(AuthMode.FORWARD)
            .connections(pooled(100, Duration.ofMinutes(1))));

        sender.deliver(new Envelope("a@example.com", List.of("b@example.com"), Optional.of(new Credentials("alice", "a-pw"))), Messages.of(FIRST));
        sender.deliver(new Envelope("a@example.com", List.of("b@example.com"), Optional.of(new Credentials("bob", "b-pw"))), Messages.of(SECOND));
        sender.close();

        assertThat(server.awaitConversations(2)).hasSize(2);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void theSessionLimitIsGivenBackWhenSessionsClose() throws Exception {
        ScriptedServer server = started.tcp(delivering(greeted()).expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(
            new ConnectionSettings(false, 1, Duration.ofMinutes(1), Duration.ofMinutes(5), 1, Duration.ZERO, false, false))
            .timeouts(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(5)));

        for (int i = 0; i < 5; i++) {
            assertThat(sender.deliver(TO_B, Messages.of(FIRST)).failed()).as("message " + i).isEmpty();
        }
        assertThat(server.awaitConversations(5)).hasSize(5);
    }
}
