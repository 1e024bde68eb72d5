package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A flood of clients in synchronous mode, each holding a transaction open after one RCPT, with
 * the hooks' defaults (10 downstream sessions): James's SMTP handler threads are shared (16, each
 * connection pinned to one), so a RCPT that waited there for a session would stall the greeting of
 * every client pinned to the same thread. None may wait: the clients past the sessions there are
 * hear 451 4.4.5 at once, and an unrelated client is greeted and answered as if nothing were on.
 */
class FloodTest {
    private static final int FLOOD = 500;

    @Test
    void aFloodOfTransactionsHoldingEverySessionLeavesOtherClientsPromptlyServed() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        Map<String, Integer> other = new ConcurrentHashMap<>();
        CountDownLatch answered = new CountDownLatch(FLOOD);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(FLOOD);
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            Map<String, String> forward = Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no",
                "heloName", "relay.test");
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward,
                ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(forward))) {
                for (int i = 0; i < FLOOD; i++) {
                    clients.submit(() -> {
                        try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                            client.command("EHLO flood.example");
                            client.command("MAIL FROM:<flood@example.org>");
                            String reply = client.command("RCPT TO:<known@example.com>");
                            if (reply.startsWith("250")) {
                                accepted.incrementAndGet();
                            } else if (reply.startsWith("451 4.4.5")) {
                                busy.incrementAndGet();
                            } else {
                                other.merge(reply, 1, Integer::sum);
                            }
                            answered.countDown();
                            // the transaction stays open, its session held, until the flood ends
                            release.await(120, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            other.merge(e.toString(), 1, Integer::sum);
                            answered.countDown();
                        }
                        return null;
                    });
                }
                // while the flood is on: an unrelated client is greeted and answered promptly
                Thread.sleep(2000);
                long started = System.nanoTime();
                try (SmtpClient probe = SmtpClient.connect(james.smtpPort())) {
                    Duration greeted = Duration.ofNanos(System.nanoTime() - started);
                    assertThat(probe.command("EHLO probe.example")).startsWith("250");
                    Duration ehlo = Duration.ofNanos(System.nanoTime() - started);
                    assertThat(greeted).as("greeting while %d clients hold transactions", FLOOD).isLessThan(Duration.ofSeconds(10));
                    assertThat(ehlo).as("EHLO answered").isLessThan(Duration.ofSeconds(10));
                }
                assertThat(answered.await(60, TimeUnit.SECONDS)).as("every flood RCPT answered; %d so far", FLOOD - answered.getCount())
                    .isTrue();
                assertThat(other).isEmpty();
                assertThat(accepted.get()).as("one per downstream session (maxConnections 10)").isEqualTo(10);
                assertThat(busy.get()).isEqualTo(FLOOD - 10);
            } finally {
                release.countDown();
                clients.shutdown();
                assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(List.copyOf(downstream.messages())).isEmpty();
        }
    }
}
