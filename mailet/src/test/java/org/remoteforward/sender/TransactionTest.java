package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

class TransactionTest {
    /** A client idle limit no test reaches unless it means to. */
    private static final Duration PATIENT = Duration.ofMinutes(1);

    @RegisterExtension
    final Started started = new Started();

    private static Script greeted(String... ehloLines) {
        return Script.of().send("220 mx.test ESMTP").expect("EHLO client.test").send(ehloLines);
    }

    @Test
    void eachStepAnswersWithTheDownstreamsOwnReply() throws Exception {
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250-SIZE 1000000", "250 8BITMIME")
            .expect("MAIL FROM:<a@example.com> SIZE=120 BODY=8BITMIME").send("250 2.1.0 sender ok")
            .expect("RCPT TO:<known@example.com>").send("250 2.1.5 recipient ok")
            .expect("RCPT TO:<unknown@example.com>").send("550 5.1.1 <unknown@example.com>: user unknown")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 queued as 42")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com").withDeclaredSize(OptionalLong.of(120)), PATIENT)) {
            assertThat(transaction.mailReply()).isEqualTo(Reply.of(250, "2.1.0 sender ok"));
            assertThat(transaction.recipient("known@example.com")).isEqualTo(Reply.of(250, "2.1.5 recipient ok"));
            assertThat(transaction.recipient("unknown@example.com"))
                .isEqualTo(Reply.of(550, "5.1.1 <unknown@example.com>: user unknown"));
            assertThat(transaction.accepted()).containsExactly("known@example.com");

            DeliveryResult result = transaction.message(Messages.of(Messages.SIMPLE));

            assertThat(result.recipients()).hasSize(1);
            assertThat(result.of("known@example.com").serverReply()).contains(Reply.of(250, "2.0.0 queued as 42"));
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(Messages.SIMPLE);
    }

    @Test
    void aTemporaryFailureAfterTheMessageIsTheDownstreamsReply() throws Exception {
        ScriptedServer server = started.tcp(greeted("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("451 4.3.0 try again later")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            transaction.recipient("b@example.com");
            RecipientResult result = transaction.message(Messages.of(Messages.SIMPLE)).of("b@example.com");

            assertThat(result.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
            assertThat(result.serverReply()).contains(Reply.of(451, "4.3.0 try again later"));
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void lmtpGivesEachRecipientItsOwnReply() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 lmtp.test LMTP").expect("LHLO client.test").send("250 lmtp.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<one@example.com>").send("250 ok")
            .expect("RCPT TO:<two@example.com>").send("250 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 one saved", "452 4.2.2 two is over quota")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp());

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            transaction.recipient("one@example.com");
            transaction.recipient("two@example.com");
            DeliveryResult result = transaction.message(Messages.of(Messages.SIMPLE));

            assertThat(result.of("one@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(result.of("two@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
            assertThat(result.of("two@example.com").serverReply()).contains(Reply.of(452, "4.2.2 two is over quota"));
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void noUsableEndpointIsATemporaryFailureForTheSenderAndEveryRecipient() throws Exception {
        DownstreamSender sender = started.sender(SettingsBuilder.to("tcp://127.0.0.1:1"));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.mailReply().code()).isEqualTo(451);
            assertThat(transaction.mailReply().text()).startsWith("downstream unavailable:").contains("127.0.0.1:1");
            assertThat(transaction.recipient("b@example.com")).isEqualTo(transaction.mailReply());
            assertThat(transaction.endpoint()).isEmpty();
        }
        sender.close();
    }

    @Test
    void authForwardAuthenticatesAsTheClientAndWithoutItRefusesBeforeConnecting() throws Exception {
        String payload = Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(StandardCharsets.UTF_8));
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250 AUTH PLAIN")
            .expect("AUTH PLAIN " + payload).send("235 2.7.0 ok")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).auth(AuthMode.FORWARD));

        try (Transaction anonymous = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(anonymous.mailReply().code()).isEqualTo(530);
            assertThat(anonymous.recipient("b@example.com").code()).isEqualTo(530);
        }
        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com").withCredentials(Optional.of(new Credentials("alice", "secret"))),
            PATIENT)) {
            assertThat(transaction.recipient("b@example.com").code()).isEqualTo(250);
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aMessageTheDownstreamCannotTakeUnalteredFailsForGoodWithoutData() throws Exception {
        ScriptedServer server = started.tcp(greeted("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            transaction.recipient("b@example.com");
            RecipientResult result = transaction.message(Messages.of("Subject: 8bit\r\n\r\ncaf\u00e9\r\n")).of("b@example.com");

            assertThat(result.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
            assertThat(result.detail()).contains("does not advertise 8BITMIME");
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void anAddressWithALineBreakNeverReachesTheWire() throws Exception {
        ScriptedServer server = started.tcp(greeted("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.recipient("b@example.com>\r\nDATA").code()).isEqualTo(553);
            assertThat(transaction.accepted()).isEmpty();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aClientPacedTransactionNeverWaitsForABusySessionWhateverTheWaitTimeout() throws Exception {
        // one session, held by the first transaction; connectionWaitTimeout 5 minutes, which the queued path would wait
        ScriptedServer server = started.tcp(greeted("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri())
            .connections(new ConnectionSettings(true, 1, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, Duration.ZERO, false, false,
                Duration.ofMinutes(5))));

        try (Transaction holding = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(holding.recipient("b@example.com").code()).isEqualTo(250);
            long asked = System.nanoTime();
            try (Transaction second = sender.begin(MailFrom.of("c@example.com"), PATIENT)) {
                Reply busy = second.recipient("d@example.com");
                assertThat(busy.code()).isEqualTo(451);
                assertThat(busy.toString()).contains("4.4.5").contains("maxConnections").contains("does not wait");
            }
            // a wait would be connectionWaitTimeout's 5 minutes: a minute is far from both
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofMinutes(1));
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aPlainAsciiEnvelopeDeclaresNoSmtpUtf8ThoughTheDownstreamOffersIt() throws Exception {
        // James's SMTP server takes no SMTPUTF8 from its client: declaring it anyway files plain mail as UTF-8 mail downstream
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250-8BITMIME", "250 SMTPUTF8")
            .expect("MAIL FROM:<a@example.com> BODY=8BITMIME").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("RCPT TO:<c@xn--cole-9oa.example>").send("250 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.recipient("b@example.com").code()).isEqualTo(250);
            // named after MAIL FROM went without SMTPUTF8: its domain goes in A-labels, a UTF-8 local part cannot go at all
            assertThat(transaction.recipient("c@\u00e9cole.example").code()).isEqualTo(250);
            Reply utf8Local = transaction.recipient("\u00e9l\u00e8ve@example.com");
            assertThat(utf8Local.code()).isEqualTo(553);
            assertThat(utf8Local.toString()).contains("5.6.7").contains("did not declare");
            assertThat(transaction.accepted()).containsExactly("b@example.com", "c@\u00e9cole.example");
            assertThat(transaction.message(Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aUtf8FirstRecipientDeclaresSmtpUtf8WhereTheDownstreamOffersIt() throws Exception {
        // the message is not known at MAIL FROM; the recipient that goes with it is, and needs SMTPUTF8
        String utf8Headers = "Subject: caf\u00e9\r\nFrom: j\u00f6rg@b\u00fccher.example\r\n\r\nbody\r\n";
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250-8BITMIME", "250 SMTPUTF8")
            .expect("MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8").send("250 ok")
            .expect("RCPT TO:<\u00e9l\u00e8ve@\u00e9cole.example>").send("250 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.recipient("\u00e9l\u00e8ve@\u00e9cole.example").code()).isEqualTo(250);
            assertThat(transaction.message(Messages.of(utf8Headers)).failed()).isEmpty();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(utf8Headers);
    }

    @Test
    void aClientSilentPastItsIdleLimitLosesTheSessionToOthersAndItsRecipientsFailTemporarily() throws Exception {
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250 PIPELINING")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            // the idle client's session serves the next transaction
            .expect("RSET").send("250 reset")
            .expect("MAIL FROM:<c@example.com>").send("250 ok")
            .expect("RCPT TO:<d@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri())
            .connections(new ConnectionSettings(true, 1, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, Duration.ZERO, true, true,
                Duration.ofMillis(100))));

        try (Transaction idle = sender.begin(MailFrom.of("a@example.com"), Duration.ofMillis(300))) {
            assertThat(idle.recipient("b@example.com").code()).isEqualTo(250);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Reply next;
            Transaction other;
            // with one session an endpoint, a second client is served only once the first has lost it
            do {
                other = sender.begin(MailFrom.of("c@example.com"), PATIENT);
                next = other.recipient("d@example.com");
                if (next.code() != 250) {
                    assertThat(next.lines().get(0)).startsWith("4.4.5 downstream busy").contains("maxConnections");
                    other.close();
                }
            } while (next.code() != 250 && System.nanoTime() < until);
            assertThat(next.code()).isEqualTo(250);
            other.close();

            DeliveryResult result = idle.message(Messages.of(Messages.SIMPLE));
            assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
            assertThat(result.of("b@example.com").detail()).contains("clientIdleTimeout");
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aClientSendingItsMessageLineByLineIsNotIdle() throws Exception {
        ScriptedServer server = started.tcp(greeted("250-mx.test", "250 PIPELINING")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction slow = sender.begin(MailFrom.of("a@example.com"), Duration.ofMillis(300))) {
            assertThat(slow.recipient("b@example.com").code()).isEqualTo(250);
            for (int line = 0; line < 10; line++) {
                Thread.sleep(100);
                slow.clientActive();
            }
            assertThat(slow.message(Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aRecipientNamedTwiceKeepsItsFirstAnswerAndGoesOnTheWireOnce() throws Exception {
        ScriptedServer server = started.tcp(greeted("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 2.1.5 ok")
            .expect("DATA").send("354 go ahead")
            .receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            assertThat(transaction.recipient("b@example.com")).isEqualTo(Reply.of(250, "2.1.5 ok"));
            assertThat(transaction.recipient("b@example.com")).isEqualTo(Reply.of(250, "2.1.5 ok"));
            assertThat(transaction.message(Messages.of(Messages.SIMPLE)).recipients()).hasSize(1);
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }
}
