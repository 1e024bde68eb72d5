package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * RemoteForwardMailet on distributed James's mail queue: James 3.8.1's RabbitMQ queue, on a
 * private broker, with one James in this JVM or several James JVMs sharing the broker. (The
 * retry schedule on it: {@link RetryScheduleTest}.)
 */
class DistributedJamesTest {
    @RegisterExtension
    static final ClassPki PKI = new ClassPki("distributed-ca");

    @TempDir
    Path dir;
    private RabbitMqBroker broker;

    @BeforeEach
    void broker() throws Exception {
        broker = RabbitMqBroker.start(dir.resolve("broker"));
    }

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static byte[] message(String subject) {
        return ("From: sender@example.org\r\nTo: someone@example.com\r\nSubject: " + subject + "\r\n\r\nHello.\r\n")
            .getBytes(StandardCharsets.UTF_8);
    }

    private ForwardingJames jamesInThisJvm(Map<String, String> parameters) throws Exception {
        return ForwardingJames.start(ForwardingJames.Options.forwarding(parameters, ForwardingJames.Options.KEEP_FAILURES)
            .in(dir.resolve("james"), new RabbitMqMailQueue(broker, dir.resolve("blobs"))));
    }

    /** A James in this JVM whose blob store refuses to store {@code refusals} of our DSNs: James then refuses the bounce. */
    private ForwardingJames jamesRefusingBounces(Map<String, String> parameters, int refusals) throws Exception {
        AtomicInteger left = new AtomicInteger(refusals);
        return ForwardingJames.start(ForwardingJames.Options.forwarding(parameters, CollectingMailet.XML)
            .in(dir.resolve("james"), new RabbitMqMailQueue(broker, dir.resolve("blobs"),
                blob -> new String(blob, StandardCharsets.ISO_8859_1).contains("message/delivery-status") && left.getAndDecrement() > 0)));
    }

    @Test
    void aBrokerRestartWhileAMailIsHeldInAWaitQueueReleasesItOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        // the first attempt waits for a retry; every later one is taken
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> asked.incrementAndGet() == 1 ? "451 4.3.0 try later" : "250 ok")) {
            Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "heloName", "relay.test", "delayTime", "25s", "maxRetries", "3"));
            try (ForwardingJames james = jamesInThisJvm(parameters)) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("held@example.com"), message("held across a restart"));
                Daemons.await(() -> asked.get() == 1);
                // the mail now waits in remote-forward-wait-25s, its head held unacknowledged by the releaser
                Thread.sleep(3000);
                broker.restart(Duration.ofSeconds(3));

                downstream.awaitTaken(1, 120);
                // a second release would follow at once: the redelivered copy's stage is over
                Thread.sleep(15_000);
                assertThat(downstream.taken()).as("delivered once, though the broker hands the held copy out again")
                    .isEqualTo(Map.of("held@example.com", 1));
            }
        }
    }

    @Test
    void whenJamesRefusesTheBounceTheDeliveredRecipientIsNotSentTheMessageAgain() throws Exception {
        CollectingMailet.clear();
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> rcpt.startsWith("bad@") ? "550 5.1.1 no such user" : "250 ok")) {
            Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "heloName", "relay.test", "delayTime", "2s"));
            try (ForwardingJames james = jamesRefusingBounces(parameters, 1)) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("ok@example.com", "bad@example.com"), message("refused bounce"));

                downstream.awaitTaken(2, 60);
                Thread.sleep(2000);
                List<RecordingDownstream.Asked> bad = downstream.asked("bad@example.com");
                assertThat(downstream.taken()).as("ok@ once; the bounce, once James took it").isEqualTo(Map.of("ok@example.com", 1,
                    "sender@example.org", 1));
                assertThat(bad).as("bad@ again after the pause, alone").hasSize(2);
                assertThat(Duration.between(bad.get(0).at(), bad.get(1).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
                assertThat(downstream.asked("ok@example.com")).hasSize(1);
                assertThat(CollectingMailet.collected()).isEmpty();
            }
        }
    }

    @Test
    void aMailWhoseBounceJamesAlwaysRefusesEndsInTheErrorProcessorAfterFiveTries() throws Exception {
        CollectingMailet.clear();
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "550 5.1.1 no such user")) {
            Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "heloName", "relay.test", "delayTime", "1s"));
            try (ForwardingJames james = jamesRefusingBounces(parameters, Integer.MAX_VALUE)) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bad@example.com"), message("always refused"));

                CollectingMailet.Collected failed = CollectingMailet.next();
                Thread.sleep(3000);
                assertThat(failed.recipients()).containsExactly("bad@example.com");
                assertThat(failed.errorMessage()).contains("failed unexpectedly 5 times");
                List<RecordingDownstream.Asked> attempts = downstream.asked("bad@example.com");
                System.out.println("a mail whose bounce is always refused was tried at " + attempts.stream()
                    .map(a -> Duration.between(attempts.get(0).at(), a.at()).toMillis() + " ms").toList());
                assertThat(attempts).as("one attempt per failure, a pause between").hasSize(5);
                assertThat(downstream.taken()).isEmpty();
            }
        }
    }

    private static String logOf(JamesNode node) {
        try {
            return node.log();
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private Map<String, String> node(String name, RecordingDownstream downstream) {
        return new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no",
            "heloName", name, "delayTime", "1s", "maxRetries", "5"));
    }

    @Test
    void twoNodesShareTheQueueAndEveryRecipientGetsOneCopy() throws Exception {
        int mails = 20;
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            // deliveries that take a while, so that both nodes' workers have work
            downstream.holdFinalReplies(200);
            try (JamesNode a = JamesNode.start("a", broker, dir.resolve("blobs"), dir.resolve("a"), node("node-a.test", downstream), Map.of());
                 JamesNode b = JamesNode.start("b", broker, dir.resolve("blobs"), dir.resolve("b"), node("node-b.test", downstream), Map.of())) {
                for (int i = 0; i < mails; i++) {
                    SmtpClient.send(a.smtpPort(), "sender@example.org", List.of("r" + i + "@example.com"), message("share " + i));
                }

                downstream.awaitTaken(mails, 120);
                Thread.sleep(2000);
                Map<String, List<String>> takenBy = downstream.takenBy();
                System.out.println("20 mails submitted to node a, delivered by: " + takenBy);
                assertThat(downstream.taken()).as(a.log() + b.log()).hasSize(mails).allSatisfy((recipient, copies) -> assertThat(copies).isOne());
                assertThat(takenBy.values().stream().flatMap(List::stream).distinct()).as("both nodes delivered")
                    .containsExactlyInAnyOrder("node-a.test", "node-b.test");
            }
        }
    }

    @Test
    void aNodeKilledMidDeliveryLosesNothingAndOnlyCopiesItNeverHeardTakenComeTwice() throws Exception {
        int mails = 10;
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok");
             JamesNode b = JamesNode.start("b", broker, dir.resolve("blobs"), dir.resolve("b"), node("node-b.test", downstream), Map.of())) {
            Map<String, List<String>> takenBeforeKill;
            java.util.Set<String> awaitingReplyAtKill;
            try (JamesNode a = JamesNode.start("a", broker, dir.resolve("blobs"), dir.resolve("a"), node("node-a.test", downstream), Map.of())) {
                // every final reply is held: a node killed now has mails whose copy the downstream took and it never heard of
                downstream.holdFinalReplies(10_000);
                for (int i = 0; i < mails; i++) {
                    SmtpClient.send(a.smtpPort(), "sender@example.org", List.of("r" + i + "@example.com"), message("kill " + i));
                }
                Daemons.await(() -> clientsAwaitingReply(downstream).contains("node-a.test"));
                a.kill();
                takenBeforeKill = downstream.takenBy();
                awaitingReplyAtKill = downstream.awaitingReply();
            }
            downstream.holdFinalReplies(0);

            downstream.awaitTaken(mails, 120);
            Thread.sleep(3000);
            Map<String, List<String>> takenBy = downstream.takenBy();
            System.out.println("node a killed holding replies for " + awaitingReplyAtKill + "; copies taken before: " + takenBeforeKill
                + "; in the end: " + takenBy);
            assertThat(takenBy).as("nothing lost").hasSize(mails);
            takenBy.forEach((recipient, clients) -> {
                if (clients.size() > 1) {
                    // node b's log on failure: a copy b sent twice (seen once in CI, not reproduced in 8 runs here) needs its story
                    assertThat(awaitingReplyAtKill).as(() -> recipient + " got " + clients + ": a second copy only where the reply was lost\n"
                        + "node b's log:\n" + logOf(b)).contains(recipient);
                    assertThat(clients).hasSize(2);
                }
            });
            List<String> lostReplies = takenBeforeKill.entrySet().stream()
                .filter(e -> e.getValue().contains("node-a.test") && awaitingReplyAtKill.contains(e.getKey())).map(Map.Entry::getKey).toList();
            assertThat(lostReplies).as("node a was killed mid-delivery").isNotEmpty();
            lostReplies.forEach(recipient -> assertThat(takenBy.get(recipient)).as("delivered again by the other node")
                .contains("node-b.test"));
        }
    }

    private Map<String, String> authForward(int postfixPort, Optional<Path> keyFile) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("targets", "tcp://localhost:" + postfixPort);
        parameters.put("starttls", "yes");
        parameters.put("tlsRootCa", PKI.ca().caFile().toString());
        parameters.put("auth", "forward");
        parameters.put("heloName", "relay.test");
        parameters.put("delayTime", "2s");
        parameters.put("maxRetries", "30");
        keyFile.ifPresent(file -> parameters.put("credentialsKeyFile", file.toString()));
        return parameters;
    }

    private Path keyFile() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path file = Files.writeString(dir.resolve("forward.key"), Base64.getEncoder().encodeToString(key) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /**
     * The client authenticates to node a, whose downstream is down: the mail waits for a retry. Node a
     * stops, its memory gone; node b, started afterwards, never saw the client.
     */
    private JamesNode receivedOnADeliveredByB(Dovecot dovecot, int postfixPort, Optional<Path> keyFile) throws Exception {
        Map<String, String> parameters = authForward(postfixPort, keyFile);
        try (JamesNode a = JamesNode.start("a", broker, dir.resolve("blobs"), dir.resolve("a"), parameters,
            Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD))) {
            SmtpClient.send(a.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("one@example.com"),
                message("sealed"), "");
            Daemons.await(() -> a.log().contains("attempt 1 via"));
            assertThat(a.log()).contains("attempt 1 via");
            String payload = Base64.getEncoder().encodeToString(("\0" + Dovecot.ALICE + "\0" + Dovecot.ALICE_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
            for (Path stored : List.of(dir.resolve("blobs"), broker.dataDir())) {
                String bytes = new String(allBytes(stored), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as("what the queue keeps in " + stored).doesNotContain(Dovecot.ALICE_PASSWORD).doesNotContain(payload);
            }
            // a stops (and its memory with it) once done with its attempt: a SIGKILL between handing the mail to its wait queue
            // and acknowledging the outgoing item would leave two copies, SMTP's at-least-once case, which the kill tests above
            // count; here exactly one copy must reach b and go out with the sealed credentials
        }
        return JamesNode.start("b", broker, dir.resolve("blobs"), dir.resolve("b"), parameters, Map.of());
    }

    @Test
    void authForwardWithAKeyFileSendsOnAnotherNodeWithTheClientsCredentialsAndTheQueueHoldsNoPassword() throws Exception {
        int postfixPort = Daemons.freePort();
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"))) {
            try (JamesNode b = receivedOnADeliveredByB(dovecot, postfixPort, Optional.of(keyFile()));
                 Postfix postfix = Postfix.setup().port(postfixPort).tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                     .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
                List<Path> landed = postfix.awaitMessages(1);
                assertThat(landed).as(b.log() + postfix.log()).hasSize(1);
                assertThat(Files.readString(landed.get(0))).contains("Delivered-To: one@example.com")
                    .contains("(Authenticated sender: " + Dovecot.ALICE + ")");
                assertThat(b.log()).contains("mail ").contains("delivered [one@example.com]");
            }
        }
    }

    @Test
    void authForwardWithoutAKeyFileFailsOnAnotherNodeSayingWhereTheCredentialsAre() throws Exception {
        int postfixPort = Daemons.freePort();
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().port(postfixPort).tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
            // the downstream is up, but node a is gone before its retry: the mail reaches b
            Map<String, String> parameters = authForward(Daemons.freePort(), Optional.empty());
            try (JamesNode a = JamesNode.start("a", broker, dir.resolve("blobs"), dir.resolve("a"), parameters,
                Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD))) {
                SmtpClient.send(a.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("one@example.com"),
                    message("in memory"), "");
                Daemons.await(() -> a.log().contains("attempt 1 via"));
                a.kill();
            }
            try (JamesNode b = JamesNode.start("b", broker, dir.resolve("blobs"), dir.resolve("b"), parameters, Map.of())) {
                Daemons.await(() -> b.log().contains("received by another node"));
                assertThat(b.log()).contains("are kept in the memory of the James that received it (")
                    .contains("received by another node, or before James restarted").contains("credentialsKeyFile");
            }
        }
    }

    private static byte[] allBytes(Path dir) throws Exception {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try {
                    all.write(Files.readAllBytes(file));
                } catch (java.nio.file.NoSuchFileException gone) {
                    // the broker rewrote it meanwhile
                }
            }
        }
        return all.toByteArray();
    }

    @Test
    void theScheduleHoldsWhenTheNodeHoldingAWaitingMailIsKilled() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "451 4.3.0 try later")) {
            Map<String, String> parameters = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "heloName", "relay.test", "delayTime", "6s", "maxRetries", "2"));
            try (JamesNode a = JamesNode.start("a", broker, dir.resolve("blobs"), dir.resolve("a"), parameters, Map.of());
                 JamesNode b = JamesNode.start("b", broker, dir.resolve("blobs"), dir.resolve("b"), parameters, Map.of())) {
                SmtpClient.send(a.smtpPort(), "sender@example.org", List.of("later@example.com"), message("kill while waiting"));
                Daemons.await(() -> !downstream.asked("later@example.com").isEmpty());
                // one of the two holds the waiting mail now; a dies, holding it or not
                Thread.sleep(2000);
                a.kill();

                Daemons.await(() -> downstream.asked("later@example.com").size() >= 3);
                List<RecordingDownstream.Asked> attempts = downstream.asked("later@example.com");
                System.out.println("attempts with node a killed 2s after the first: " + attempts.stream()
                    .map(attempt -> Duration.between(attempts.get(0).at(), attempt.at()).toMillis() + " ms").toList());
                assertThat(attempts).as(b.log()).hasSize(3);
                for (int i = 1; i < attempts.size(); i++) {
                    RetryScheduleTest.assertOnTime(attempts.get(i - 1).at(), attempts.get(i).at(), Duration.ofSeconds(6));
                }
            }
        }
    }

    /** The EHLO names of the clients whose copies wait for their final reply. */
    private static List<String> clientsAwaitingReply(RecordingDownstream downstream) {
        java.util.Set<String> awaiting = downstream.awaitingReply();
        return downstream.takenBy().entrySet().stream().filter(e -> awaiting.contains(e.getKey()))
            .flatMap(e -> e.getValue().stream()).toList();
    }
}
