package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * {@code inline idle} and {@code inlineThreads}: which thread makes a mail's first attempt, told
 * by the attempt's log line. A spool thread attempts only on an idle session and only while fewer
 * than the bound are attempting; every other mail goes to the queue's workers.
 */
class InlineAttemptsTest {
    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;
    private final ListAppender<ILoggingEvent> attempts = new ListAppender<>();
    private final Logger attemptLog = (Logger) LoggerFactory.getLogger(DeliveryAttempts.class);
    private Level level;

    @BeforeEach
    void setUp() throws Exception {
        harness = new MailetHarness(started);
        level = attemptLog.getLevel();
        attemptLog.setLevel(Level.INFO);
        attempts.start();
        attemptLog.addAppender(attempts);
    }

    @AfterEach
    void tearDown() {
        attemptLog.detachAppender(attempts);
        attemptLog.setLevel(level);
    }

    private static Script delivering(Script script, String recipient) {
        return script.expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<" + recipient + ">").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 queued");
    }

    private static Script greeted() {
        return Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test");
    }

    /** The thread that logged the first attempt of {@code mail}, once it has. */
    private String attemptThreadOf(Mail mail) throws InterruptedException {
        MailetHarness.await(() -> attemptLine(mail) != null, "the attempt of " + mail.getName());
        return attemptLine(mail).getThreadName();
    }

    private ILoggingEvent attemptLine(Mail mail) {
        List<ILoggingEvent> logged;
        // workers append while the test reads: the appender appends under its own lock
        synchronized (attempts) {
            logged = List.copyOf(attempts.list);
        }
        return logged.stream().filter(event -> event.getFormattedMessage().startsWith("mail " + mail.getName() + " attempt 1 "))
            .findFirst().orElse(null);
    }

    /** {@code inline idle}, the default: no parameter says it. */
    @Test
    void idleAttemptsInServiceOnlyOnceASessionWaitsIdle() throws Exception {
        ScriptedServer server = started.tcp(delivering(delivering(greeted(), "b@example.com"), "c@example.com").expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail first = harness.mail("Subject: 1\r\n\r\none\r\n", "a@example.com", "b@example.com");
        Mail second = harness.mail("Subject: 2\r\n\r\ntwo\r\n", "a@example.com", "c@example.com");

        mailet.service(first);
        assertThat(attemptThreadOf(first)).as("no session yet: the queue's worker connects").startsWith("remote-forward-delivery");
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 1, "the first delivery");

        mailet.service(second);
        assertThat(attemptLine(second)).as("attempted before service() returned").isNotNull();
        assertThat(attemptLine(second).getThreadName()).isEqualTo(Thread.currentThread().getName());
        assertThat(second.getState()).isEqualTo(Mail.GHOST);
        mailet.destroy();
        assertThat(server.onlyConversation().messages).hasSize(2);
        assertThat(server.violations()).isEmpty();
        assertThat(harness.queued("remote-forward")).isEmpty();
    }

    /** A spooler of one thread has none to spare: with an idle session at hand, the mail is still queued. */
    @Test
    void aSpoolerOfOneThreadQueuesEveryMail() throws Exception {
        harness.spooler = SpoolerThreads.of(1);
        ScriptedServer server = started.tcp(delivering(delivering(greeted(), "b@example.com"), "c@example.com").expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail first = harness.mail("Subject: 1\r\n\r\none\r\n", "a@example.com", "b@example.com");
        Mail second = harness.mail("Subject: 2\r\n\r\ntwo\r\n", "a@example.com", "c@example.com");

        mailet.service(first);
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 1, "the first delivery");
        mailet.service(second);
        assertThat(attemptThreadOf(second)).as("a session waits idle, and no spool thread is spared").startsWith("remote-forward-delivery");
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 2, "the second delivery");
        mailet.destroy();
        assertThat(server.onlyConversation().messages).hasSize(2);
    }

    /**
     * One spool thread stalls mid-message on the only session; the next mail finds no session
     * idle, so it neither waits behind it nor connects from a spool thread: it is queued, and a
     * worker delivers it over a new connection while the first still stalls.
     */
    @Test
    void aMailFindingTheOnlySessionStalledIsQueuedAndDeliveredMeanwhile() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            delivering(greeted(), "b@example.com").expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<c@example.com>").send("250 ok").expect("DATA").send("354 go").stall(),
            delivering(greeted(), "d@example.com").expect("QUIT").send("221 bye")));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "idle",
            "submissionTimeout", "20s", "delayTime", "1h");
        Mail warming = harness.mail("Subject: 0\r\n\r\nzero\r\n", "a@example.com", "b@example.com");
        mailet.service(warming);
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 1, "the first delivery");

        Mail stalled = harness.mail("Subject: 1\r\n\r\none\r\n", "a@example.com", "c@example.com");
        CompletableFuture<Void> spoolThread = CompletableFuture.runAsync(() -> serviceQuietly(mailet, stalled));
        MailetHarness.await(() -> server.conversations().get(0).commands.stream().filter("DATA"::equals).count() == 2, "the stalled DATA");
        Mail next = harness.mail("Subject: 2\r\n\r\ntwo\r\n", "a@example.com", "d@example.com");
        long before = System.nanoTime();
        mailet.service(next);

        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before)).as("service() did not wait").isLessThan(10);
        assertThat(attemptThreadOf(next)).startsWith("remote-forward-delivery");
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 2, "the queued mail's delivery");
        assertThat(spoolThread).as("the stalled attempt still holds its spool thread").isNotDone();
        mailet.destroy();
        spoolThread.get(30, TimeUnit.SECONDS);
        assertThat(stalled.getState()).isEqualTo(Mail.GHOST);
        assertThat(harness.queued("remote-forward")).as("the stalled recipient waits for its retry")
            .singleElement().satisfies(mail -> assertThat(mail.getRecipients()).extracting(Object::toString).containsExactly("c@example.com"));
    }

    /**
     * {@code inline yes} bound to one spool thread: while that one stalls mid-message, the next
     * mail, which would otherwise connect and attempt on a second spool thread, is queued.
     */
    @Test
    void pastInlineThreadsAMailIsQueuedWhileAStalledAttemptHoldsItsSpoolThread() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            greeted().expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<c@example.com>").send("250 ok")
                .expect("DATA").send("354 go").stall(),
            delivering(greeted(), "d@example.com").expect("QUIT").send("221 bye")));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes",
            "inlineThreads", "1", "submissionTimeout", "20s", "delayTime", "1h");
        Mail stalled = harness.mail("Subject: 1\r\n\r\none\r\n", "a@example.com", "c@example.com");
        CompletableFuture<Void> spoolThread = CompletableFuture.runAsync(() -> serviceQuietly(mailet, stalled));
        MailetHarness.await(() -> !server.conversations().isEmpty() && server.conversations().get(0).commands.contains("DATA"), "the stalled DATA");

        Mail next = harness.mail("Subject: 2\r\n\r\ntwo\r\n", "a@example.com", "d@example.com");
        mailet.service(next);

        assertThat(attemptThreadOf(next)).as("the one inline thread is taken: a worker attempts").startsWith("remote-forward-delivery");
        MailetHarness.await(() -> harness.metrics.countFor("remote-forward.delivered") == 1, "the queued mail's delivery");
        assertThat(spoolThread).as("the stalled attempt still holds its spool thread").isNotDone();
        mailet.destroy();
        spoolThread.get(30, TimeUnit.SECONDS);
        assertThat(harness.queued("remote-forward")).singleElement()
            .satisfies(mail -> assertThat(mail.getRecipients()).extracting(Object::toString).containsExactly("c@example.com"));
    }

    private static void serviceQuietly(RemoteForwardMailet mailet, Mail mail) {
        try {
            mailet.service(mail);
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theDefaultBoundIsHalfOfJamesSpoolThreads() throws Exception {
        assertThat(bound("idle", Map.of(), 20).describe()).endsWith("on up to 10 spool threads");
        assertThat(bound("idle", Map.of(), 3).describe()).endsWith("on up to 1 spool threads");
        assertThat(bound("idle", Map.of("inlineThreads", "7"), 20).describe()).endsWith("on up to 7 spool threads");
        assertThat(bound("yes", Map.of(), 20).describe()).as("inline yes is bound only when asked").isEqualTo(", first attempt inline");
        assertThat(bound("idle", Map.of(), 1).describe()).contains("every mail queued");
        assertThat(bound("yes", Map.of("inlineThreads", "3"), 20).describe()).endsWith("on up to 3 spool threads");
        assertThat(bound("idle", Map.of(), 0).describe()).as("a spooler switched off never calls service()").isNotNull();
    }

    @Test
    void aBoundThatCouldHoldEverySpoolThreadIsRefusedAtInit() {
        assertThatThrownBy(() -> bound("idle", Map.of("inlineThreads", "4"), 4))
            .isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining("inlineThreads: 4 would let a stalled downstream hold every one of James's 4 spool threads");
        assertThatThrownBy(() -> bound("yes", Map.of("inlineThreads", "9"), 4))
            .hasMessageContaining("inlineThreads: 9 would let");
    }

    @Test
    void theMailetRefusesToStartWithSuchABound() {
        harness.spooler = SpoolerThreads.of(2);
        assertThatThrownBy(() -> harness.start("targets", "tcp://127.0.0.1:25", "inline", "idle", "inlineThreads", "2"))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("forward inlineThreads: 2 would let a stalled downstream hold every one of James's 2 spool threads");
    }

    private static InlineAttempts bound(String inline, Map<String, String> more, int spoolThreads) throws InvalidConfigurationException {
        Map<String, String> parameters = new java.util.LinkedHashMap<>(Map.of("targets", "tcp://mx:25", "inline", inline));
        parameters.putAll(more);
        DeliverySettings delivery = ForwardConfigParser.parse(parameters, "relay.test").delivery();
        return InlineAttempts.of(delivery, SpoolerThreads.of(spoolThreads));
    }
}
