package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.remoteforward.it.SmtpLines.readLine;
import static org.remoteforward.it.SmtpLines.readMessage;
import static org.remoteforward.it.SmtpLines.reply;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.mailbox.model.MultimailboxesSearchQuery;
import org.apache.james.mailbox.model.SearchQuery;
import org.apache.james.modules.MailboxProbeImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inline idle} on a real James whose spooler runs 4 threads: the one downstream stalls in
 * the middle of every message once it has taken a few, and James's local delivery goes on
 * meanwhile. At most {@code inlineThreads} (by default half the spool threads) wait on the
 * downstream; the other mails wait in the outgoing queue, whose workers the stall holds instead.
 */
class InlineStallTest {
    private static final String LOCAL_USER = "alice@local.test";

    @Test
    void localDeliveryGoesOnWhileTheDownstreamStallsMidMessage(@TempDir Path dir) throws Exception {
        try (StallingDownstream downstream = new StallingDownstream()) {
            int smtpPort = Daemons.freePort();
            Path conf = JamesConfFolder.write(dir.resolve("template"), smtpPort, Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no", "inline", "idle", "submissionTimeout", "10m", "delayTime", "1h"), ForwardingJames.Options.KEEP_FAILURES);
            Path mailetContainer = conf.resolve("mailetcontainer.xml");
            Files.writeString(mailetContainer, Files.readString(mailetContainer).replace(
                "      <mailet match=\"All\" class=\"ToProcessor\"><processor>forward</processor></mailet>",
                "      <mailet match=\"RecipientIsLocal\" class=\"LocalDelivery\"/>\n"
                    + "      <mailet match=\"All\" class=\"ToProcessor\"><processor>forward</processor></mailet>"));
            assertThat(Files.readString(mailetContainer)).contains("<spooler><threads>4</threads></spooler>", "LocalDelivery");

            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, smtpPort)
                .withUsers(Map.of(LOCAL_USER, "secret")).in(dir.resolve("james")))) {
                ExecutorService clients = Executors.newFixedThreadPool(8);
                try {
                    // sessions open and go idle: four clients at once, and the downstream slow enough that the workers overlap
                    downstream.answerAfterMillis(300);
                    sendAll(clients, smtpPort, 8, i -> "warm" + i + "@remote.test");
                    Daemons.await(() -> downstream.delivered() == 8);
                    assertThat(downstream.delivered()).isEqualTo(8);

                    downstream.stallMidMessage();
                    List<Future<?>> forwarded = send(clients, smtpPort, 6, i -> "stalled" + i + "@remote.test");
                    Daemons.await(() -> downstream.stalled() >= 2);
                    assertThat(downstream.stalled()).as("the downstream holds messages half read").isGreaterThanOrEqualTo(2);
                    for (Future<?> client : forwarded) {
                        client.get(60, TimeUnit.SECONDS);
                    }

                    sendAll(clients, smtpPort, 5, i -> LOCAL_USER);
                    MailboxProbeImpl mailboxes = james.probe(MailboxProbeImpl.class);
                    Daemons.await(() -> inbox(mailboxes) == 5);
                    assertThat(inbox(mailboxes)).as("local mail delivered while the downstream stalls").isEqualTo(5);
                    assertThat(downstream.stalled()).as("still stalled: nothing timed out meanwhile").isGreaterThanOrEqualTo(2);
                    assertThat(downstream.delivered()).isEqualTo(8);
                } finally {
                    clients.shutdownNow();
                }
            }
        }
    }

    private static long inbox(MailboxProbeImpl mailboxes) {
        return mailboxes.searchMessage(MultimailboxesSearchQuery.from(SearchQuery.matchAll()).build(), LOCAL_USER, 100).size();
    }

    private interface Recipients {
        String of(int i);
    }

    private static void sendAll(ExecutorService clients, int port, int count, Recipients to) throws Exception {
        for (Future<?> client : send(clients, port, count, to)) {
            client.get(60, TimeUnit.SECONDS);
        }
    }

    private static List<Future<?>> send(ExecutorService clients, int port, int count, Recipients to) {
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String recipient = to.of(i);
            byte[] message = ("Subject: " + recipient + " " + i + "\r\n\r\n" + "x".repeat(200) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            sent.add(clients.submit(() -> {
                SmtpClient.send(port, "sender@client.test", List.of(recipient), message);
                return null;
            }));
        }
        return sent;
    }

    /** Takes messages, slowly if asked, until told to stall: then it stops reading in the middle of each message and never answers. */
    private static final class StallingDownstream extends LoopbackListener {
        private final AtomicInteger delivered = new AtomicInteger();
        private final AtomicInteger stalled = new AtomicInteger();
        private volatile boolean stalling;
        private volatile long answerAfterMillis;

        StallingDownstream() throws IOException {
            super("stalling-downstream", 50);
        }

        void answerAfterMillis(long millis) {
            answerAfterMillis = millis;
        }

        void stallMidMessage() {
            stalling = true;
        }

        int delivered() {
            return delivered.get();
        }

        int stalled() {
            return stalled.get();
        }

        @Override
        protected void converse(Socket socket) throws IOException {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 stall.test ready");
            for (String line = readLine(in); line != null; line = readLine(in)) {
                String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, "250 stall.test");
                    case "DATA" -> {
                        reply(out, "354 go");
                        if (stalling) {
                            in.readNBytes(20);
                            stalled.incrementAndGet();
                            // half a message read, then nothing: the client's writes and its wait for a reply go unanswered
                            sleepUntilClosed(socket);
                            return;
                        }
                        readMessage(in);
                        sleep(answerAfterMillis);
                        delivered.incrementAndGet();
                        reply(out, "250 2.0.0 taken");
                    }
                    case "QUIT" -> {
                        reply(out, "221 bye");
                        return;
                    }
                    default -> reply(out, "250 ok");
                }
            }
        }

        private static void sleepUntilClosed(Socket socket) {
            while (!socket.isClosed()) {
                sleep(100);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
