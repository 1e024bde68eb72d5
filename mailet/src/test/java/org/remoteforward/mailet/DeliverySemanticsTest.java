package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/** The outgoing queue, retries on a schedule, bounces with the downstream's reply, metrics. */
class DeliverySemanticsTest {
    private static final String MESSAGE = RemoteForwardMailetTest.ORIGINAL;

    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;

    @BeforeEach
    void harness() throws Exception {
        harness = new MailetHarness(started);
    }

    private static Script refusing(String rcptReply, String... recipients) {
        Script script = Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok");
        for (String recipient : recipients) {
            script.expect("RCPT TO:<" + recipient + ">").send(rcptReply);
        }
        return script.expect("QUIT").send("221 bye");
    }

    @Test
    void serviceQueuesTheMailAndAWorkerDeliversIt() throws Exception {
        ScriptedServer server = started.tcp(RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail mail = harness.mail(MESSAGE, "a@example.com", "b@example.com");

        mailet.service(mail);
        MailetHarness.await(() -> server.conversations().stream().anyMatch(c -> !c.messages.isEmpty()), "the delivery");
        // stopping the mailet QUITs the pooled session and ends the conversation
        mailet.destroy();

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes());
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aTemporaryFailureThenSuccessDeliversOnce() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            refusing("451 4.3.0 try later", "b@example.com"),
            RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com")));
        // a connection per attempt, so that the server's conversations tell the attempts apart
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "100ms", "reuseConnections", "no");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        List<ScriptedServer.Conversation> conversations = server.awaitConversations(2);
        assertThat(conversations.get(0).messages).isEmpty();
        assertThat(conversations.get(1).onlyMessage()).isEqualTo(MESSAGE.getBytes());
        Thread.sleep(300);
        assertThat(server.conversations()).hasSize(2);
        assertThat(server.violations()).isEmpty();
        assertThat(harness.dsns()).isEmpty();
    }

    @Test
    void aRetryReusesThePooledSessionAfterRsetAndDeliversOnce() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("451 4.3.0 try later")
            .expect("RSET").send("250 2.0.0 reset")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "100ms");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));
        MailetHarness.await(() -> server.conversations().stream().anyMatch(c -> !c.messages.isEmpty()), "the retry's delivery");
        mailet.destroy();

        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes());
        assertThat(server.violations()).isEmpty();
        assertThat(harness.dsns()).isEmpty();
        assertThat(harness.queued("remote-forward")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"452 4.5.3 too many recipients", "552 5.5.3 too many recipients", "552 too many recipients"})
    void aTooManyRecipientsReplySendsTheRestInFurtherTransactionsAtOnceAllDeliveredInOneAttempt(String tooMany) throws Exception {
        // a server that takes two recipients a transaction (RFC 5321 4.5.3.1.10: a 552 there is to be taken as a 452)
        Script script = Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test");
        List<List<String>> transactions = List.of(List.of("r1", "r2", "r3", "r4", "r5"), List.of("r3", "r4", "r5"), List.of("r5"));
        for (int t = 0; t < transactions.size(); t++) {
            // each transaction ends with its final reply: the next MAIL FROM needs no RSET first
            script.expect("MAIL FROM:<a@example.com>").send("250 ok");
            List<String> named = transactions.get(t);
            for (int i = 0; i < named.size(); i++) {
                script.expect("RCPT TO:<" + named.get(i) + "@example.com>").send(i < 2 ? "250 2.1.5 ok" : tooMany);
            }
            script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued");
        }
        ScriptedServer server = started.tcp(script.expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "1h");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com",
            "r5@example.com"));
        MailetHarness.await(() -> server.conversations().stream().anyMatch(c -> c.messages.size() == 3), "three transactions");
        mailet.destroy();

        assertThat(server.onlyConversation().messages).hasSize(3).allSatisfy(message -> assertThat(message).isEqualTo(MESSAGE.getBytes()));
        assertThat(server.violations()).isEmpty();
        assertThat(harness.queued("remote-forward")).as("nothing waits for a retry").isEmpty();
        assertThat(harness.dsns()).isEmpty();
    }

    @Test
    void aLongMultiLineRefusalMakesABounceTheMailetItselfForwardsWithFoldedFields() throws Exception {
        String[] refusal = new String[20];
        for (int i = 0; i < refusal.length; i++) {
            refusal[i] = "550" + (i == refusal.length - 1 ? " " : "-") + "5.7.1 policy line " + i + " " + "y".repeat(90);
        }
        ScriptedServer server = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send(refusal)
                .expect("QUIT").send("221 bye"),
            Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
                .expect("MAIL FROM:<>").send("250 ok")
                .expect("RCPT TO:<a@example.com>").send("250 ok")
                .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 bounce delivered")
                .expect("QUIT").send("221 bye")));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "reuseConnections", "no");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));
        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce");
        FakeMailContext.SentMail sent = harness.dsns().get(0);
        String status = MailetHarness.deliveryStatus(sent.getMsg());
        assertThat(status).as("unfolded, the reply is all there")
            .contains("policy line 0 " + "y".repeat(90)).contains("policy line 19 " + "y".repeat(90));

        // the bounce goes back through James, to this very mailet
        Mail bounce = MailImpl.builder().name("bounce").sender(MaybeSender.nullSender()).addRecipients(sent.getRecipients())
            .mimeMessage(sent.getMsg()).build();
        mailet.service(bounce);
        List<ScriptedServer.Conversation> conversations = server.awaitConversations(2);

        byte[] delivered = conversations.get(1).onlyMessage();
        assertThat(new String(delivered, java.nio.charset.StandardCharsets.UTF_8).split("\r\n"))
            .allSatisfy(line -> assertThat(line.length()).as("a line of the bounce").isLessThanOrEqualTo(998));
        assertThat(server.violations()).isEmpty();
        assertThat(context().getSentMails()).as("nothing went to the error processor").hasSize(1);
    }

    private FakeMailContext context() {
        return harness.context;
    }

    @Test
    void temporaryFailuresForeverEndInABounceAfterMaxRetriesOnTheSchedule() throws Exception {
        ScriptedServer server = started.tcp(refusing("450 4.2.1 mailbox busy", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "100ms, 2*300ms", "maxRetries", "2");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce");
        List<ScriptedServer.Conversation> attempts = server.conversations();
        assertThat(attempts).as("the first attempt and two retries").hasSize(3);
        assertThat(Duration.ofNanos(attempts.get(1).acceptedNanos - attempts.get(0).acceptedNanos)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(Duration.ofNanos(attempts.get(2).acceptedNanos - attempts.get(1).acceptedNanos)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        FakeMailContext.SentMail dsn = harness.dsns().get(0);
        assertThat(dsn.getSender().isNullSender()).isTrue();
        assertThat(dsn.getRecipients()).containsExactly(new MailAddress("a@example.com"));
        assertThat(MailetHarness.deliveryStatus(dsn.getMsg()))
            .contains("Final-Recipient: rfc822; b@example.com")
            .contains("Action: failed")
            .contains("Status: 4.2.1")
            .contains("Remote-MTA: dns; 127.0.0.1")
            .contains("Diagnostic-Code: smtp; 450 4.2.1 mailbox busy");
        assertThat(dsn.getMsg().getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        Thread.sleep(500);
        assertThat(server.conversations()).as("no attempt after the bounce").hasSize(3);
    }

    @Test
    void withFailoverTemporaryATargetsWaitGoesToTheNextAndNoRetryIsNeeded() throws Exception {
        ScriptedServer first = started.tcp(refusing("451 4.7.1 greylisted", "b@example.com"));
        ScriptedServer second = started.tcp(RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", first.tcpUri() + " " + second.tcpUri(), "starttls", "no",
            "heloName", "relay.test", "failover", "temporary", "maxRetries", "0");
        Mail mail = harness.mail(MESSAGE, "a@example.com", "b@example.com");

        mailet.service(mail);
        MailetHarness.await(() -> second.conversations().stream().anyMatch(c -> !c.messages.isEmpty()), "the delivery on the second target");
        mailet.destroy();

        assertThat(second.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes());
        assertThat(first.onlyConversation().messages).isEmpty();
        assertThat(first.violations()).isEmpty();
        assertThat(harness.dsns()).isEmpty();
        assertThat(harness.queued("remote-forward")).isEmpty();
    }

    @Test
    void withFailoverTemporaryTheBounceNamesEachTargetAndWhatItAnswered() throws Exception {
        ScriptedServer first = started.tcp(refusing("451 4.7.1 greylisted by the first", "b@example.com"));
        ScriptedServer second = started.tcp(refusing("450 4.2.1 mailbox busy on the second", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", first.tcpUri() + " " + second.tcpUri(), "starttls", "no",
            "heloName", "relay.test", "failover", "temporary", "maxRetries", "0");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce");
        MimeMessage dsn = harness.dsns().get(0).getMsg();
        String explanation = ((MimeMultipart) dsn.getContent()).getBodyPart(0).getContent().toString().replaceAll("\r\n(?=[ \t])", "");
        assertThat(explanation).contains(first.tcpUri() + " answered RCPT TO with 451 4.7.1 greylisted by the first")
            .contains(second.tcpUri() + " answered RCPT TO with 450 4.2.1 mailbox busy on the second");
        // the fields are the last server's: the one whose answer stood when the mail was given up
        assertThat(MailetHarness.deliveryStatus(dsn)).contains("Status: 4.2.1")
            .contains("Diagnostic-Code: smtp; 450 4.2.1 mailbox busy on the second");
        // stopping the mailet QUITs the pooled sessions and ends the conversations
        mailet.destroy();
        assertThat(first.onlyConversation().violations).isEmpty();
        assertThat(second.onlyConversation().violations).isEmpty();
    }

    @Test
    void aMailOverTheRateLimitWaitsItsTurnWithoutSpendingAnAttempt() throws Exception {
        Script script = Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye");
        ScriptedServer server = started.tcp(script);
        // no retry left: a mail that spent its attempt on the rate limit would be bounced
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "maxMessagesPerMinute", "1", "maxRetries", "0");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));
        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));
        MailetHarness.await(() -> server.conversations().stream().anyMatch(c -> !c.messages.isEmpty()), "the first delivery");
        MailetHarness.await(() -> waitingInQueue() == 1, "the second mail back in the queue");

        Mail waiting = harness.queued("remote-forward").get(0);
        assertThat(waiting.getRecipients()).containsExactly(new MailAddress("b@example.com"));
        assertThat(RetryState.attempts(waiting)).as("no attempt counted").isZero();
        assertThat(waiting.getAttribute(RetryState.NEXT_ATTEMPT)).isPresent();
        mailet.destroy();
        assertThat(server.onlyConversation().messages).hasSize(1);
        assertThat(harness.dsns()).isEmpty();
    }

    @Test
    void recipientsAtTheRateLimitAreQueuedApartFromThoseRetriedForA4xx() throws Exception {
        ScriptedServer server = started.tcp(refusing("451 4.7.1 greylisted", "b@example.com"));
        // one recipient a message, one message a minute: c, in the second transaction, finds no slot
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "maxMessagesPerMinute", "1", "maxRecipientsPerMessage", "1", "delayTime", "1h");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com", "c@example.com"));
        MailetHarness.await(() -> waitingInQueue() == 2, "both parts back in the queue");

        Map<String, Integer> attemptsByRecipient = new java.util.HashMap<>();
        for (Mail queued : harness.queued("remote-forward")) {
            assertThat(queued.getRecipients()).hasSize(1);
            attemptsByRecipient.put(queued.getRecipients().iterator().next().asString(), RetryState.attempts(queued));
        }
        assertThat(attemptsByRecipient).containsExactlyInAnyOrderEntriesOf(Map.of("b@example.com", 1, "c@example.com", 0));
        mailet.destroy();
        assertThat(server.onlyConversation().commands).doesNotContain("RCPT TO:<c@example.com>");
        assertThat(harness.dsns()).isEmpty();
    }

    /** The mails in the outgoing queue that an attempt sent back there (they carry their next attempt's time). */
    private long waitingInQueue() {
        try {
            return harness.queued("remote-forward").stream().filter(mail -> mail.getAttribute(RetryState.NEXT_ATTEMPT).isPresent()).count();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mixedLmtpOutcomesGiveOneDeliveryOneRetryAndOneBounce() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            Script.of().send("220 lmtp.test").expect("LHLO relay.test").send("250 lmtp.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<one@example.com>").send("250 ok")
                .expect("RCPT TO:<two@example.com>").send("250 ok")
                .expect("RCPT TO:<three@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 2.0.0 saved", "450 4.2.0 <two@example.com> locked", "550 5.1.1 <three@example.com> no such user")
                .expect("QUIT").send("221 bye"),
            Script.of().send("220 lmtp.test").expect("LHLO relay.test").send("250 lmtp.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<two@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 2.0.0 saved")
                .expect("QUIT").send("221 bye")));
        // a connection per attempt, so that the server's conversations tell the attempts apart
        RemoteForwardMailet mailet = harness.start("protocol", "lmtp", "targets", server.tcpUri(), "heloName", "relay.test",
            "delayTime", "100ms", "reuseConnections", "no");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "one@example.com", "two@example.com", "three@example.com"));

        List<ScriptedServer.Conversation> attempts = server.awaitConversations(2);
        assertThat(server.violations()).as("the retry names two@example.com alone").isEmpty();
        assertThat(attempts.get(1).onlyMessage()).isEqualTo(MESSAGE.getBytes());
        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce");
        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Final-Recipient: rfc822; three@example.com").contains("Status: 5.1.1")
            .contains("Diagnostic-Code: smtp; 550 5.1.1 <three@example.com> no such user")
            .doesNotContain("one@example.com").doesNotContain("two@example.com");
        Thread.sleep(300);
        assertThat(server.conversations()).hasSize(2);
        assertThat(harness.dsns()).hasSize(1);
    }

    @Test
    void theNullSenderIsNeverBouncedTo() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("550 5.1.1 unknown")
            .expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");

        mailet.service(harness.mail(MESSAGE, null, "b@example.com"));

        assertThat(harness.dsns()).isEmpty();
        assertThat(harness.context.getSentMails()).singleElement().satisfies(sent -> {
            assertThat(sent.getState()).isEqualTo("error");
            assertThat(sent.getRecipients()).containsExactly(new MailAddress("b@example.com"));
            assertThat(sent.getAttributes()).containsKey(FailureAttributes.FAILURES);
        });
    }

    @Test
    void aBounceProcessorReceivesTheFailuresForDsnBounce() throws Exception {
        ScriptedServer server = started.tcp(refusing("550 5.1.1 unknown user", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "bounceProcessor", "bounces");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        assertThat(harness.dsns()).isEmpty();
        FakeMailContext.SentMail sent = harness.context.getSentMails().get(0);
        assertThat(sent.getState()).isEqualTo("bounces");
        assertThat(sent.getRecipients()).containsExactly(new MailAddress("b@example.com"));
        // DSNBounce writes delivery-error as the recipients' Status: the enhanced code; the reply stays in the failures attribute
        assertThat(sent.getAttributes().get(FailedRecipients.DELIVERY_ERROR).getValue().getValue()).isEqualTo("5.1.1");
        assertThat(sent.getAttributes()).containsKey(FailureAttributes.FAILURES);
    }

    @Test
    @SuppressWarnings("unchecked")
    void waitingMailsCarryTheirStateInAttributes() throws Exception {
        ScriptedServer server = started.tcp(refusing("452 4.2.2 over quota", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "delayTime", "1h");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        List<Mail> waiting = harness.queued("remote-forward");
        assertThat(waiting).hasSize(1);
        Mail queued = waiting.get(0);
        assertThat(queued.getRecipients()).containsExactly(new MailAddress("b@example.com"));
        assertThat(queued.getAttribute(RetryState.ATTEMPTS).orElseThrow().getValue().getValue()).isEqualTo(1);
        assertThat(queued.getAttribute(RetryState.NEXT_ATTEMPT)).isPresent();
        Map<String, AttributeValue<?>> failures = (Map<String, AttributeValue<?>>) queued.getAttribute(FailureAttributes.FAILURES)
            .orElseThrow().getValue().getValue();
        Map<String, AttributeValue<?>> b = (Map<String, AttributeValue<?>>) failures.get("b@example.com").getValue();
        assertThat(b.get("code").getValue()).isEqualTo(452);
        assertThat(b.get("outcome").getValue()).isEqualTo("temporary");
    }

    @Test
    void metricsCountEachOutcomePerEndpointAndTimeEachAttempt() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<ok@example.com>").send("250 ok")
            .expect("RCPT TO:<busy@example.com>").send("451 4.3.0 later")
            .expect("RCPT TO:<bad@example.com>").send("550 5.1.1 unknown")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "delayTime", "1h");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "ok@example.com", "busy@example.com", "bad@example.com"));

        String endpoint = server.tcpUri().replace("://", "_").replace(":", "_");
        assertThat(harness.metrics.countFor("remote-forward.delivered")).isEqualTo(1);
        assertThat(harness.metrics.countFor("remote-forward.delivered." + endpoint)).isEqualTo(1);
        assertThat(harness.metrics.countFor("remote-forward.temporaryFailure." + endpoint)).isEqualTo(1);
        assertThat(harness.metrics.countFor("remote-forward.permanentFailure." + endpoint)).isEqualTo(1);
        assertThat(harness.metrics.executionTimesFor("remote-forward.latency")).hasSize(1);
        assertThat(harness.metrics.executionTimesFor("remote-forward.latency." + endpoint)).hasSize(1);
    }
}
