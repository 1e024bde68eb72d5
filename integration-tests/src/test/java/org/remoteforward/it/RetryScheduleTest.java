package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.inject.Module;

/**
 * The retry schedule in a real James on each of James's mail queues the mailet may meet: the
 * memory queue, the ActiveMQ queue (persistent, as {@link RestartTest} runs it) and distributed
 * James's RabbitMQ queue (a private broker). Each attempt comes no earlier than it is due and
 * within a second of it; then the sender gets the bounce.
 */
class RetryScheduleTest {
    private static final Duration LATENESS_ALLOWED = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} queue")
    @ValueSource(strings = {"memory", "activemq", "rabbitmq"})
    void eachRetryComesWhenDueThenTheSenderGetsTheBounce(String queue) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> rcpt.startsWith("later@") ? "451 4.3.0 try later" : "250 ok")) {
            Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "heloName", "relay.test", "delayTime", "3s, 5s", "maxRetries", "2"));
            Module[] overrides = switch (queue) {
                case "activemq" -> new Module[] {keep(started, new PersistentMailQueue(dir.resolve("activemq")))};
                case "rabbitmq" -> new Module[] {new RabbitMqMailQueue(keep(started, RabbitMqBroker.start(dir.resolve("broker"))), dir.resolve("blobs"))};
                default -> new Module[0];
            };
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(parameters,
                ForwardingJames.Options.KEEP_FAILURES).in(dir.resolve("james"), overrides))) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("now@example.com", "later@example.com"),
                    "From: sender@example.org\r\nSubject: schedule\r\n\r\nHello.\r\n".getBytes(StandardCharsets.UTF_8));

                // the bounce goes to the sender through the same downstream
                Map<String, Integer> taken = downstream.awaitTaken(2, 90);
                List<RecordingDownstream.Asked> attempts = downstream.asked("later@example.com");
                System.out.println("attempts of later@example.com on the " + queue + " queue, schedule 0, 3s, 8s: " + attempts.stream()
                    .map(a -> Duration.between(attempts.get(0).at(), a.at()).toMillis() + " ms").toList());
                assertThat(taken).containsEntry("now@example.com", 1).containsEntry("sender@example.org", 1);
                assertThat(attempts).as("the first attempt and two retries").hasSize(3);
                assertOnTime(attempts.get(0).at(), attempts.get(1).at(), Duration.ofSeconds(3));
                assertOnTime(attempts.get(1).at(), attempts.get(2).at(), Duration.ofSeconds(5));
            }
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
        }
    }

    private static <T extends AutoCloseable> T keep(List<AutoCloseable> started, T closeable) {
        started.add(closeable);
        return closeable;
    }

    /** Each attempt no earlier than due, and within a second of it. */
    static void assertOnTime(Instant previous, Instant next, Duration delay) {
        Duration gap = Duration.between(previous, next);
        assertThat(gap).as("no earlier than due").isGreaterThanOrEqualTo(delay);
        assertThat(gap).as("within a second of due").isLessThanOrEqualTo(delay.plus(LATENESS_ALLOWED));
    }
}
