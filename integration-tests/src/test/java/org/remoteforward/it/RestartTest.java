package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.mail.Header;
import javax.mail.internet.MimeMessage;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A James whose mail queues persist (ActiveMQ with KahaDB, see {@link PersistentMailQueue}) is
 * stopped while mails wait in RemoteForwardMailet's queue for a retry, and started again over
 * the same folder: the mails are delivered, each once, none lost. And what that queue holds,
 * in James's view and on disk, never contains the credentials of an {@code auth forward} client.
 */
class RestartTest {
    private static final String QUEUE = "remote-forward";
    private static final AttributeName ATTEMPTS = AttributeName.of("org.remoteforward.attempts");

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("restart-ca");

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    @Test
    void mailsWaitingForRetryAreDeliveredAfterJamesRestarts() throws Exception {
        int mails = 20;
        int downstreamPort = Daemons.freePort();
        Path workDir = dir.resolve("james");
        Map<String, String> parameters = Map.of("targets", "tcp://127.0.0.1:" + downstreamPort, "starttls", "no",
            "heloName", "relay.test", "delayTime", "2s", "maxRetries", "50", "bounceProcessor", "error");

        try (PersistentMailQueue queue = new PersistentMailQueue(workDir.resolve("queue"))) {
            try (ForwardingJames james = start(parameters, workDir, queue, Map.of())) {
                for (int i = 0; i < mails; i++) {
                    SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("r" + i + "@example.com"), message(i));
                }
                // nothing listens downstream yet: every mail has been tried and waits for its next attempt
                awaitQueued(queue, mails, Queued::tried);
            }
        }

        try (Postfix postfix = Postfix.setup().port(downstreamPort).start(dir.resolve("postfix"));
             PersistentMailQueue queue = new PersistentMailQueue(workDir.resolve("queue"));
             ForwardingJames james = start(parameters, workDir, queue, Map.of())) {
            List<Path> delivered = postfix.awaitMessages(mails);
            assertThat(delivered).as(postfix.log()).hasSize(mails);
            List<String> recipients = new ArrayList<>();
            for (Path file : delivered) {
                Matcher to = Pattern.compile("Delivered-To: (r\\d+@example.com)\n").matcher(Files.readString(file));
                assertThat(to.find()).isTrue();
                recipients.add(to.group(1));
            }
            Collections.sort(recipients);
            assertThat(recipients).as("each recipient once").doesNotHaveDuplicates().hasSize(mails);
            awaitQueued(queue, 0, Queued::tried);
            Thread.sleep(3000);
            assertThat(postfix.awaitMessages(mails + 1)).as("nothing delivered twice").hasSize(mails);
            assertThat(CollectingMailet.collected()).as("nothing bounced").isEmpty();
        }
    }

    @Test
    void forwardedCredentialsNeverSitInTheQueueAndAreGoneAfterARestart() throws Exception {
        int downstreamPort = Daemons.freePort();
        Path workDir = dir.resolve("james");
        Map<String, String> parameters = Map.of("targets", "tcp://localhost:" + downstreamPort, "auth", "forward",
            "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test",
            "delayTime", "1s", "maxRetries", "50", "bounceProcessor", "error");
        Map<String, String> users = Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD);
        List<String> secrets = List.of(Dovecot.ALICE_PASSWORD, base64(Dovecot.ALICE_PASSWORD),
            base64("\0" + Dovecot.ALICE + "\0" + Dovecot.ALICE_PASSWORD));

        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"))) {
            try (PersistentMailQueue queue = new PersistentMailQueue(workDir.resolve("queue"));
                 ForwardingJames james = start(parameters, workDir, queue, users)) {
                SmtpClient.send(james.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("bob@example.com"),
                    message(1), "");
                List<Queued> waiting = awaitQueued(queue, 1, Queued::tried);

                String held = waiting.get(0).everythingJamesHolds();
                assertThat(held).as("what James holds for the mail").contains("restart-test-1").contains("org.remoteforward.credentialsToken");
                String onDisk = new String(queue.storedBytes(), StandardCharsets.ISO_8859_1);
                assertThat(onDisk).as("the queue's files on disk hold the mail").contains("restart-test-1");
                for (String secret : secrets) {
                    assertThat(held).as("the queued mail").doesNotContain(secret);
                    assertThat(onDisk).as("the queue's files on disk").doesNotContain(secret);
                }

                // the downstream comes up; the next attempt authenticates as alice, from memory
                try (Postfix postfix = Postfix.setup().port(downstreamPort).tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                    .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
                    List<Path> delivered = postfix.awaitMessages(1);
                    assertThat(delivered).as(postfix.log()).hasSize(1);
                    assertThat(Files.readString(delivered.get(0))).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
                }

                // a second mail waits while the downstream is down again, and James stops
                SmtpClient.send(james.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("carol@example.com"),
                    message(2), "");
                awaitQueued(queue, 1, Queued::tried);
            }

            // after the restart nobody holds alice's password: the mail fails with that said, never unauthenticated
            try (Postfix postfix = Postfix.setup().port(downstreamPort).tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                     .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix-again"));
                 PersistentMailQueue queue = new PersistentMailQueue(workDir.resolve("queue"));
                 ForwardingJames james = start(parameters, workDir, queue, users)) {
                CollectingMailet.Collected failed = CollectingMailet.next();
                assertThat(failed.failures().get("carol@example.com")).containsEntry("outcome", "permanent");
                assertThat((String) failed.failures().get("carol@example.com").get("detail"))
                    .contains("are kept in the memory of the James that received it").contains("or before James restarted");
                assertThat(postfix.awaitMessages(0)).isEmpty();
            }
        }
    }

    private static ForwardingJames start(Map<String, String> parameters, Path workDir, PersistentMailQueue queue,
                                         Map<String, String> users) throws Exception {
        return ForwardingJames.start(ForwardingJames.Options.forwarding(new HashMap<>(parameters), CollectingMailet.XML)
            .withUsers(users).in(workDir, queue));
    }

    /** A mail in the queue as the test sees it: its attempts so far, and everything James holds for it. */
    private record Queued(int attempts, String everythingJamesHolds) {
        boolean tried() {
            return attempts >= 1;
        }
    }

    private static List<Queued> awaitQueued(PersistentMailQueue queue, int count, Predicate<Queued> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            // the outgoing queue and the wait queues its retries wait in
            List<Queued> queued = queue.browseAll(QUEUE, mail -> new Queued(attempts(mail), everythingJamesHolds(mail)));
            if (queued.size() == count && queued.stream().allMatch(ready) || System.nanoTime() > deadline) {
                assertThat(queued).as("mails waiting in " + QUEUE + " and its wait queues").hasSize(count).allMatch(ready);
                return queued;
            }
            Thread.sleep(100);
        }
    }

    private static int attempts(Mail mail) {
        return mail.getAttribute(ATTEMPTS).map(attribute -> ((Number) attribute.getValue().value()).intValue()).orElse(0);
    }

    /** The mail as James hands it over: envelope, every attribute, every header and the body. */
    private static String everythingJamesHolds(Mail mail) throws Exception {
        StringBuilder all = new StringBuilder(mail.toString()).append('\n');
        mail.attributes().map(Attribute::toString).forEach(attribute -> all.append(attribute).append('\n'));
        MimeMessage message = mail.getMessage();
        for (Header header : Collections.list(message.getAllHeaders())) {
            all.append(header.getName()).append(": ").append(header.getValue()).append('\n');
        }
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        message.writeTo(raw);
        return all.append(raw.toString(StandardCharsets.ISO_8859_1)).toString();
    }

    private static byte[] message(int i) {
        return ("From: sender@example.org\r\nTo: r" + i + "@example.com\r\nMessage-ID: <restart-test-" + i + "@example.org>\r\n"
            + "Subject: restart " + i + "\r\n\r\nWaiting through a restart.\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
