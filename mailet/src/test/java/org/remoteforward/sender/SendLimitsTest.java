package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * {@code maxRecipientsPerMessage} and {@code maxMessagesPerMinute} against scripted servers: the
 * recipient limit splits a delivery into transactions as a server's 452 does and answers a
 * client's extra RCPT with 452 4.5.3; the rate limit passes an endpoint at its limit over for the
 * next, and when none is left nothing is sent and every recipient waits its turn.
 */
class SendLimitsTest {
    @RegisterExtension
    final Started started = new Started();
    private static final Duration PATIENT = Duration.ofSeconds(30);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** The sender's clock, moved by the tests. */
    private final AtomicLong now = new AtomicLong(1000 * SECOND);

    private static Script greeted() {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test");
    }

    /** One transaction from a@example.com taking every recipient given, the session then kept for the next. */
    private static Script transaction(Script script, String... recipients) {
        script.expect("MAIL FROM:<a@example.com>").send("250 ok");
        for (String recipient : recipients) {
            script.expect("RCPT TO:<" + recipient + ">").send("250 ok");
        }
        return script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued");
    }

    /** A sender on the moved clock, its idle sessions kept longer than the tests move it. */
    private DownstreamSender sender(SettingsBuilder settings) throws Exception {
        ConnectionSettings keepLong = new ConnectionSettings(true, 10, Duration.ofMinutes(10), Duration.ofMinutes(10), 100,
            Duration.ofSeconds(30), true, true);
        return started.keep(DownstreamSender.create(settings.connections(keepLong).build(), now::get));
    }

    @Test
    void aDeliveryOverTheRecipientLimitGoesInSeveralTransactionsAllInOneCall() throws Exception {
        Script script = greeted();
        transaction(script, "r1@example.com", "r2@example.com");
        transaction(script, "r3@example.com", "r4@example.com");
        transaction(script, "r5@example.com");
        ScriptedServer server = started.tcp(script.expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(server.tcpUri()).limits(0, 2));
        Envelope five = new Envelope("a@example.com", List.of("r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com",
            "r5@example.com"));

        DeliveryResult result = sender.deliver(five, Messages.of(Messages.SIMPLE));
        sender.close();

        assertThat(result.delivered()).hasSize(5);
        assertThat(server.onlyConversation().messages).hasSize(3);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aClientsRecipientPastTheLimitIsAnswered452WithoutTheWire() throws Exception {
        ScriptedServer server = started.tcp(transaction(greeted(), "r1@example.com", "r2@example.com").expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(server.tcpUri()).limits(0, 2));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.recipient("r1@example.com").code()).isEqualTo(250);
            assertThat(transaction.recipient("r2@example.com").code()).isEqualTo(250);
            Reply third = transaction.recipient("r3@example.com");
            assertThat(third.code()).isEqualTo(452);
            assertThat(third.toString()).contains("4.5.3").contains("maxRecipientsPerMessage 2");
            assertThat(transaction.message(Messages.of(Messages.SIMPLE)).delivered()).hasSize(2);
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void anEndpointAtItsRateIsPassedOverForTheNextAndComesBackAfterItsMinute() throws Exception {
        Script first = greeted();
        transaction(first, "b@example.com");
        transaction(first, "b@example.com");
        ScriptedServer mx1 = started.tcp(first.expect("QUIT").send("221 bye"));
        ScriptedServer mx2 = started.tcp(transaction(greeted(), "b@example.com").expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(mx1.tcpUri(), mx2.tcpUri()).limits(1, 0));
        Envelope one = new Envelope("a@example.com", List.of("b@example.com"));

        assertThat(sender.deliver(one, Messages.of(Messages.SIMPLE)).of("b@example.com").endpoint().orElseThrow().toString())
            .isEqualTo(mx1.tcpUri());
        now.addAndGet(30 * SECOND);
        assertThat(sender.deliver(one, Messages.of(Messages.SIMPLE)).of("b@example.com").endpoint().orElseThrow().toString())
            .as("mx1 has had its message this minute").isEqualTo(mx2.tcpUri());
        now.addAndGet(31 * SECOND);
        assertThat(sender.deliver(one, Messages.of(Messages.SIMPLE)).of("b@example.com").endpoint().orElseThrow().toString())
            .as("a minute after mx1's first").isEqualTo(mx1.tcpUri());
        sender.close();
        assertThat(mx1.onlyConversation().messages).hasSize(2);
        assertThat(mx2.onlyConversation().messages).hasSize(1);
    }

    @Test
    void whenEveryEndpointIsAtItsRateNothingIsSentAndEachRecipientWaitsItsTurn() throws Exception {
        ScriptedServer mx = started.tcp(transaction(greeted(), "b@example.com").expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(mx.tcpUri()).limits(1, 0));

        sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
        now.addAndGet(20 * SECOND);
        DeliveryResult limited = sender.deliver(new Envelope("a@example.com", List.of("b@example.com", "c@example.com")),
            Messages.of(Messages.SIMPLE));

        for (RecipientResult recipient : limited.recipients()) {
            assertThat(recipient.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
            assertThat(recipient.waitTurn()).contains(Duration.ofSeconds(40));
            assertThat(recipient.reply().code()).isEqualTo(451);
            assertThat(recipient.reply().toString()).contains("4.7.0").contains("maxMessagesPerMinute");
            assertThat(recipient.detail()).contains(mx.tcpUri()).contains("1 message a minute");
        }
        // nor may an inline attempt take the idle session that waits there
        assertThat(sender.deliverIfIdle(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE))).isEmpty();
        sender.close();
        assertThat(mx.onlyConversation().messages).hasSize(1);
        assertThat(mx.violations()).isEmpty();
    }

    @Test
    void aClientPacedTransactionAtTheRateIsAnswered451NamingTheLimit() throws Exception {
        ScriptedServer mx = started.tcp(transaction(greeted(), "b@example.com").expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(mx.tcpUri()).limits(1, 0));
        sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            Reply reply = transaction.recipient("b@example.com");
            assertThat(reply.code()).isEqualTo(451);
            assertThat(reply.toString()).contains("4.7.0").contains("maxMessagesPerMinute");
        }
        sender.close();
        assertThat(mx.onlyConversation().messages).hasSize(1);
    }

    @Test
    void aRecipientOverTheLimitInALaterRoundWaitsItsTurnWhileTheFirstAreDelivered() throws Exception {
        ScriptedServer mx = started.tcp(transaction(greeted(), "b@example.com").expect("QUIT").send("221 bye"));
        DownstreamSender sender = sender(SettingsBuilder.to(mx.tcpUri()).limits(1, 1));

        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com", "c@example.com")),
            Messages.of(Messages.SIMPLE));
        sender.close();

        assertThat(result.of("b@example.com").delivered()).isTrue();
        assertThat(result.of("c@example.com").waitTurn()).contains(Duration.ofSeconds(60));
        assertThat(mx.onlyConversation().messages).hasSize(1);
    }
}
