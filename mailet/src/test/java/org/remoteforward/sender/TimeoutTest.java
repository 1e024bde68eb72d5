package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** Each of the three timeouts, against a server that stalls at that step. */
class TimeoutTest {
    @RegisterExtension
    final Started started = new Started();
    private static final Duration SHORT = Duration.ofMillis(400);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Envelope ENVELOPE = new Envelope("a@example.com", List.of("b@example.com"));

    private ScriptedServer server;
    private DownstreamSender sender;

    @Test
    void connectTimeoutBoundsAConnectionThatIsNeverAccepted() throws Exception {
        // a listener whose accept queue is full drops further SYNs, so connecting hangs
        try (ServerSocket listener = LoopbackPorts.listen(1)) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket filler = new Socket();
                    fillers.add(filler);
                    try {
                        filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 200);
                    } catch (IOException full) {
                        break;
                    }
                }
                sender = started.sender(SettingsBuilder.to("tcp://127.0.0.1:" + listener.getLocalPort())
                    .timeouts(SHORT, LONG, LONG));
                DeliveryResult result = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));

                assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
                assertThat(result.of("b@example.com").detail()).contains("connect timeout of 400ms expired while connecting");
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void aDownstreamThatNeverAnswersQuitWhenItsIdleSessionIsEvictedStopsNoOtherDeadline() throws Exception {
        server = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go").receiveMessage().send("250 ok")
                .expect("QUIT").stall(),
            Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").stall()));
        Duration command = Duration.ofSeconds(2);
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, command, LONG)
            .connections(new ConnectionSettings(true, 10, Duration.ofMillis(500), Duration.ofMinutes(5), 100, Duration.ZERO, false, false)));
        assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        // the idle session is evicted: QUIT, which this server never answers
        ScriptedServer.Conversation first = server.conversations().get(0);
        long until = System.nanoTime() + LONG.toNanos();
        while (!first.commands.contains("QUIT") && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(first.commands).contains("QUIT");

        java.util.concurrent.CompletableFuture<DeliveryResult> next = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)));

        DeliveryResult result = next.get(LONG.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("command timeout of 2s expired waiting for the reply to MAIL");
    }

    @Test
    void closingTheSenderEndsADeliveryStillWaitingOnASilentServerInsteadOfLeavingItWithoutDeadline() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").stall());
        Duration command = Duration.ofMinutes(5);
        DownstreamSender closing = DownstreamSender.create(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, command, command).build());
        java.util.concurrent.CompletableFuture<DeliveryResult> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> closing.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)));
        long until = System.nanoTime() + LONG.toNanos();
        while (server.conversations().isEmpty() || !server.conversations().get(0).commands.contains("RCPT TO:<b@example.com>")) {
            assertThat(System.nanoTime()).isLessThan(until);
            Thread.sleep(20);
        }

        closing.close();

        DeliveryResult result = inFlight.get(LONG.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.of("b@example.com").outcome()).as("cut, so retried later").isEqualTo(Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void connectTimeoutBoundsLookingTheHostUpToo() throws Exception {
        SessionOpener.HostResolver silentNameServer = host -> {
            try {
                Thread.sleep(LONG.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.net.UnknownHostException(host);
        };
        sender = started.keep(DownstreamSender.create(SettingsBuilder.to("tcp://mx.slow.test:25").timeouts(SHORT, LONG, LONG).build(),
            System::nanoTime, silentNameServer));

        DeliveryResult result = java.util.concurrent.CompletableFuture.supplyAsync(() -> sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)))
            .get(LONG.toSeconds() / 2, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("connect timeout of 400ms expired while looking up mx.slow.test");
    }

    @Test
    void commandTimeoutBoundsTheGreeting() throws Exception {
        server = started.tcp(Script.of().stall());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, SHORT, LONG));

        assertThat(result.of("b@example.com").detail()).contains("command timeout of 400ms expired waiting for the greeting");
    }

    @Test
    void commandTimeoutBoundsEachReply() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").stall());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, SHORT, LONG));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("command timeout of 400ms expired waiting for the reply to RCPT");
        assertThat(server.onlyConversation().commands).doesNotContain("QUIT");
    }

    @Test
    void submissionTimeoutBoundsTheFinalReply() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().stall());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, LONG, SHORT));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("submission timeout of 400ms expired");
    }

    @Test
    void submissionTimeoutBoundsABodyTheServerStopsReading() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .freeze());
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).timeouts(LONG, LONG, SHORT));
        // far more than the socket buffers hold, so the write itself blocks
        DeliveryResult result = sender.deliver(ENVELOPE, new MessageSource() {
            @Override
            public long size() {
                return -1;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                byte[] line = "0123456789012345678901234567890123456789012345678901234567890123456789\r\n".getBytes();
                for (int i = 0; i < 2_000_000; i++) {
                    out.write(line);
                }
            }
        });

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("submission timeout of 400ms expired while sending the message");
    }

    @Test
    void commandTimeoutBoundsTheStarttlsHandshake() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250-mx.test", "250 STARTTLS")
            .expect("STARTTLS").send("220 go ahead").freeze());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().timeouts(LONG, SHORT, LONG));

        assertThat(result.of("b@example.com").detail()).contains("command timeout of 400ms expired during the STARTTLS handshake");
    }

    private DeliveryResult deliver(SettingsBuilder settings) throws Exception {
        sender = started.sender(settings);
        return sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));
    }
}
