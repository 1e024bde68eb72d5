package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.remoteforward.sender.ConnectionSettings;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Envelope;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.SettingsBuilder;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * Mails go into a real James by SMTP while RemoteForwardMailet forwards them to a downstream
 * that injects random faults at random steps ({@link FaultyDownstream}) until 95% of the
 * recipients are settled, then heals. In the end each recipient must hold exactly as many copies as the
 * downstream's books dictate (one, plus one for every reply it lost after the final dot: the
 * at-least-once case SMTP cannot avoid) or have been bounced, with the injected 5xx named, if and
 * only if the downstream failed it for good. None missing, none twice without a lost reply.
 *
 * <p>{@code -Dsoak.mails=N} sets the number of mails (1,000 unless given; the full run is
 * 10,000), {@code -Dsoak.faultRate=P} the chance of a fault per step (0.05 unless given).
 */
class SoakTest {
    private static final int MAILS = Integer.getInteger("soak.mails", 1000);
    private static final double FAULT_RATE = Double.parseDouble(System.getProperty("soak.faultRate", "0.05"));
    private static final double FAULTY_SHARE = 0.95;
    private static final int SUBMITTERS = 4;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration STALL = Duration.ofMillis(3500);
    // the per-attempt log lines of 10,000 mails would drown the report
    private static final List<String> QUIETED = List.of("org.remoteforward.mailet.DeliveryAttempts", "org.remoteforward.sender");

    private final Map<String, Level> levelsBefore = new HashMap<>();

    @BeforeEach
    void quiet() {
        CollectingMailet.clear();
        for (String name : QUIETED) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            levelsBefore.put(name, logger.getLevel());
            logger.setLevel(Level.WARN);
        }
    }

    @AfterEach
    void restore() {
        levelsBefore.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
    }

    @Test
    void everyRecipientEndsDeliveredOrBouncedAsTheFaultsDictateNoneMissingNoneTwiceWithoutALostReply() throws Exception {
        Map<String, List<String>> plan = plan(MAILS);
        int recipients = plan.values().stream().mapToInt(List::size).sum();
        long start = System.nanoTime();

        try (FaultyDownstream downstream = new FaultyDownstream(FAULT_RATE, STALL, plan::get);
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(parameters(downstream.port()),
                 CollectingMailet.XML))) {
            submit(james.smtpPort(), plan);
            double submittedAt = seconds(start);
            // faulty for nearly the whole run, then healed so the last retries can settle
            awaitAccounted(downstream, plan, (int) Math.ceil(recipients * FAULTY_SHARE), deadline(plan));
            double healedAt = seconds(start);
            downstream.heal();

            awaitAccounted(downstream, plan, recipients, deadline(plan));
            double settledAt = seconds(start);
            // the books balance; give a late retry, were there one, the time to show up as an extra copy
            Thread.sleep(3000);
            Map<String, Integer> bounced = bounced();
            Map<String, Integer> taken = downstream.taken();
            Map<String, Integer> lost = downstream.lostReplies();
            Map<String, String> failedForGood = downstream.failedForGood();

            List<String> missing = new ArrayList<>();
            List<String> wrongCopies = new ArrayList<>();
            List<String> wronglyBounced = new ArrayList<>();
            int once = 0;
            int moreThanOnce = 0;
            for (List<String> ofMail : plan.values()) {
                for (String recipient : ofMail) {
                    int copies = taken.getOrDefault(recipient, 0);
                    int expected = failedForGood.containsKey(recipient) ? 0 : 1 + lost.getOrDefault(recipient, 0);
                    int bounces = bounced.getOrDefault(recipient, 0);
                    if (copies == 0 && bounces == 0) {
                        missing.add(recipient);
                    } else if (copies != expected) {
                        wrongCopies.add(recipient + ": " + copies + " copies, " + expected + " expected");
                    }
                    if (bounces != (failedForGood.containsKey(recipient) ? 1 : 0)) {
                        wronglyBounced.add(recipient + ": bounced " + bounces + " times, failed for good: "
                            + failedForGood.getOrDefault(recipient, "no"));
                    }
                    once += copies == 1 ? 1 : 0;
                    moreThanOnce += copies > 1 ? 1 : 0;
                }
            }

            System.out.printf("%nSOAK: %d mails, %d recipients, through a real James to a downstream faulting %.1f%% of steps;"
                    + " all submitted at %.1f s, healed at %.1f s (%.0f%% settled), all settled at %.1f s%n",
                MAILS, recipients, FAULT_RATE * 100, submittedAt, healedAt, FAULTY_SHARE * 100, settledAt);
            System.out.printf("  connections to the downstream: %d; faults injected: %d%n", downstream.connections(),
                downstream.injected().values().stream().mapToLong(Long::longValue).sum());
            downstream.injected().forEach((kind, count) -> System.out.printf("    %-36s %6d%n", kind, count));
            System.out.printf("  delivered once: %d; delivered more than once: %d (copies taken with the reply lost after the dot: %d)%n",
                once, moreThanOnce, lost.values().stream().mapToInt(Integer::intValue).sum());
            System.out.printf("  bounced: %d (failed for good by the downstream: %d)%n",
                bounced.values().stream().mapToInt(Integer::intValue).sum(), failedForGood.size());
            System.out.printf("  missing: %d; copies not as the faults dictate: %d; bounces not as they dictate: %d;"
                + " messages altered: %d%n%n", missing.size(), wrongCopies.size(), wronglyBounced.size(), downstream.altered().size());

            assertThat(missing).as("recipients neither delivered nor bounced").isEmpty();
            assertThat(wrongCopies).as("recipients whose copies are not one plus the replies lost after the dot").isEmpty();
            assertThat(wronglyBounced).as("recipients bounced though not failed for good, or not bounced though they were").isEmpty();
            assertThat(downstream.altered()).as("messages that reached the downstream changed").isEmpty();
            assertThat(CollectingMailet.collected()).as("every bounce names the downstream's permanent reply")
                .allSatisfy(collected -> assertThat(collected.failures().values()).allSatisfy(failure -> {
                    assertThat(failure).containsEntry("outcome", "permanent");
                    assertThat(String.valueOf(failure.get("reply"))).contains(FaultyDownstream.PERMANENT_TEXT);
                }));
        }
    }

    /** The mails: sender {@code soak-N@example.org}, one to three recipients {@code mN.rK@example.com}. */
    private static Map<String, List<String>> plan(int mails) {
        Map<String, List<String>> plan = new LinkedHashMap<>();
        for (int i = 0; i < mails; i++) {
            int count = 1 + ThreadLocalRandom.current().nextInt(3);
            List<String> recipients = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                recipients.add("m" + i + ".r" + k + "@example.com");
            }
            plan.put("soak-" + i + "@example.org", List.copyOf(recipients));
        }
        return plan;
    }

    private static Map<String, String> parameters(int downstreamPort) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("targets", "tcp://127.0.0.1:" + downstreamPort);
        parameters.put("starttls", "no");
        parameters.put("heloName", "relay.test");
        parameters.put("connectTimeout", STEP_TIMEOUT.toSeconds() + "s");
        parameters.put("commandTimeout", STEP_TIMEOUT.toSeconds() + "s");
        parameters.put("submissionTimeout", (STEP_TIMEOUT.toSeconds() + 1) + "s");
        parameters.put("deliveryThreads", "8");
        parameters.put("delayTime", "1s");
        // temporary faults only ever delay: the downstream heals, so none may turn into a bounce
        parameters.put("maxRetries", "1000");
        parameters.put("endpointBackoff", "off");
        parameters.put("bounceProcessor", "error");
        return parameters;
    }

    /** Hands every mail to James by SMTP, a few sessions at once, each reused. */
    private static void submit(int smtpPort, Map<String, List<String>> plan) throws Exception {
        ConnectionSettings reuse = new ConnectionSettings(true, SUBMITTERS, Duration.ofSeconds(30), Duration.ofMinutes(30),
            1_000_000, Duration.ZERO, true, false);
        List<Map.Entry<String, List<String>>> mails = new ArrayList<>(plan.entrySet());
        AtomicInteger next = new AtomicInteger();
        ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
        try (DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to("tcp://127.0.0.1:" + smtpPort)
            .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)).connections(reuse).build())) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < SUBMITTERS; i++) {
                done.add(submitters.submit(() -> {
                    for (int index = next.getAndIncrement(); index < mails.size(); index = next.getAndIncrement()) {
                        Map.Entry<String, List<String>> mail = mails.get(index);
                        DeliveryResult result = sender.deliver(new Envelope(mail.getKey(), mail.getValue()), Messages.of(message(mail.getKey())));
                        assertThat(result.failed()).as("James refused " + mail.getKey()).isEmpty();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            submitters.shutdownNow();
        }
    }

    private static byte[] message(String sender) {
        int lines = 1 + ThreadLocalRandom.current().nextInt(40);
        StringBuilder message = new StringBuilder("From: " + sender + "\r\nTo: soak@example.com\r\nMessage-ID: <" + sender + ">\r\n"
            + "Subject: soak\r\n\r\n");
        for (int i = 0; i < lines; i++) {
            // now and then a line that needs dot-stuffing
            message.append(i % 7 == 3 ? "." : "").append("line ").append(i).append(" of the soak message from ").append(sender).append("\r\n");
        }
        return message.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The run may take this long before the assertions say what is missing: it grows with the mails. */
    private static long deadline(Map<String, List<String>> plan) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(180) + TimeUnit.MILLISECONDS.toNanos(100L * plan.size());
    }

    /** Waits until {@code count} recipients have the copies the downstream's books call for, or were bounced. */
    private static void awaitAccounted(FaultyDownstream downstream, Map<String, List<String>> plan, int count, long deadline)
        throws Exception {
        while (true) {
            Map<String, Integer> bounced = bounced();
            Map<String, Integer> taken = downstream.taken();
            Map<String, Integer> lost = downstream.lostReplies();
            long accounted = plan.values().stream().flatMap(List::stream)
                .filter(recipient -> bounced.containsKey(recipient)
                    || taken.getOrDefault(recipient, 0) >= 1 + lost.getOrDefault(recipient, 0))
                .count();
            if (accounted >= count || System.nanoTime() > deadline) {
                return;
            }
            Thread.sleep(200);
        }
    }

    /** How many times each recipient reached the error processor, i.e. was bounced. */
    private static Map<String, Integer> bounced() {
        Map<String, Integer> bounced = new TreeMap<>();
        for (CollectingMailet.Collected collected : CollectingMailet.collected()) {
            collected.recipients().forEach(recipient -> bounced.merge(recipient, 1, Integer::sum));
        }
        return bounced;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
