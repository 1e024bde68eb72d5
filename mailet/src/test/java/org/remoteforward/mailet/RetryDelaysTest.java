package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.apache.james.queue.api.MailQueueName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/**
 * The retry schedule on a queue that ignores enqueue delays, as James 3.8.1's RabbitMQ queue does:
 * each attempt comes no earlier than it is due, and within a second of it.
 */
class RetryDelaysTest {
    private static final String MESSAGE = RemoteForwardMailetTest.ORIGINAL;
    private static final Duration LATENESS_ALLOWED = Duration.ofSeconds(1);

    @RegisterExtension
    final Started started = new Started();
    private final DelayIgnoringQueues queues = new DelayIgnoringQueues();

    private static Script refusing(String reply) {
        return Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send(reply)
            .expect("QUIT").send("221 bye");
    }

    @Test
    void retriesKeepTheScheduleOnAQueueThatIgnoresDelays() throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        ScriptedServer server = started.tcp(refusing("451 4.3.0 try later"));
        // a connection per attempt, so that the server's conversations tell the attempts apart
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "1s, 2s", "maxRetries", "2", "reuseConnections", "no");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce after the last retry");
        List<ScriptedServer.Conversation> attempts = server.conversations();
        assertThat(attempts).as("the first attempt and two retries").hasSize(3);
        assertOnTime(attempts.get(0), attempts.get(1), Duration.ofSeconds(1));
        assertOnTime(attempts.get(1), attempts.get(2), Duration.ofSeconds(2));
        assertThat(queues.listCreatedMailQueues()).contains(MailQueueName.of("remote-forward-wait-1s"), MailQueueName.of("remote-forward-wait-2s"));
    }

    @Test
    void aDelayLongerThanTheHoldLimitIsTakenInStagesNoLongerThanIt() throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        ScriptedServer server = started.tcp(refusing("451 4.3.0 try later"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "2500ms", "maxRetries", "1", "retryHoldLimit", "1s", "reuseConnections", "no");

        mailet.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce after the retry");
        List<ScriptedServer.Conversation> attempts = server.conversations();
        assertThat(attempts).hasSize(2);
        assertOnTime(attempts.get(0), attempts.get(1), Duration.ofMillis(2500));
        // 2.5s with a hold of at most 1s: two stages of 1s and one of 500ms
        assertThat(queues.listCreatedMailQueues())
            .containsExactlyInAnyOrder(MailQueueName.of("remote-forward"), MailQueueName.of("remote-forward-wait-1s"),
                MailQueueName.of("remote-forward-wait-500ms"));
    }

    @Test
    void aMailHeldWhenTheMailetStopsIsHandedBackToItsWaitQueueNotSent() throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        ScriptedServer server = started.tcp(refusing("451 4.3.0 try later"));
        RemoteForwardMailet first = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "2s", "reuseConnections", "no");
        first.service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));
        // put in its wait queue, where its releaser takes it at once and holds it for 2 s
        MailetHarness.await(() -> queues.enqueued.contains("remote-forward-wait-2s"), "the mail in its wait queue");
        Thread.sleep(300);

        first.destroy();

        // handed back (enqueued there again, as it was) by the time destroy returns, and not sent early;
        // that another node then sends it on time is DistributedJamesTest's, against a real broker
        assertThat(queues.enqueued.stream().filter("remote-forward-wait-2s"::equals)).as("into its wait queue, and back").hasSize(2);
        assertThat(queues.enqueued.stream().filter("remote-forward"::equals)).as("the first attempt's only: never released").hasSize(1);
        assertThat(server.conversations()).hasSize(1);
    }

    @Test
    void theOutgoingQueueIsAskedForAsManyMailsAsThereAreWorkersAndEachWaitQueueForOne() throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "deliveryThreads", "12", "delayTime", "5m, 10m, 1h",
            "retryHoldLimit", "20m");

        assertThat(queues.prefetches).containsExactlyInAnyOrder("remote-forward=12", "remote-forward-wait-5m=1",
            "remote-forward-wait-10m=1", "remote-forward-wait-20m=1");
    }

    @Test
    void theMemoryQueueKeepsItsOwnDelaysUnlessToldOtherwise() throws Exception {
        MailetHarness harness = new MailetHarness(started);
        harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "delayTime", "5m");
        assertThat(harness.queues.listCreatedMailQueues()).containsExactly(MailQueueName.of("remote-forward"));

        MailetHarness forced = new MailetHarness(started);
        forced.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "delayTime", "5m", "retryDelays", "wait-queues");
        assertThat(forced.queues.listCreatedMailQueues())
            .containsExactlyInAnyOrder(MailQueueName.of("remote-forward"), MailQueueName.of("remote-forward-wait-5m"));
    }

    @Test
    void waitQueuesFromAnEarlierScheduleAreStillReleased() throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        queues.createQueue(MailQueueName.of("remote-forward-wait-7m"));
        queues.createQueue(MailQueueName.of("remote-forward-waiting"));

        harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "delayTime", "5m");

        assertThat(queues.prefetches).contains("remote-forward-wait-7m=1", "remote-forward-wait-5m=1")
            .doesNotContain("remote-forward-waiting=1");
    }

    private static void assertOnTime(ScriptedServer.Conversation previous, ScriptedServer.Conversation next, Duration delay) {
        Duration gap = Duration.ofNanos(next.acceptedNanos - previous.acceptedNanos);
        assertThat(gap).as("no earlier than due").isGreaterThanOrEqualTo(delay);
        assertThat(gap).as("within a second of due").isLessThanOrEqualTo(delay.plus(LATENESS_ALLOWED));
    }
}
