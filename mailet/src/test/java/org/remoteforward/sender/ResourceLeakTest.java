package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;

/** Deliveries that succeed, time out, break off or are refused leave no socket and, once closed, no thread. */
class ResourceLeakTest {
    private static final String TIMEOUT_THREAD = "remote-forward-timeouts";

    @Test
    void noSocketOrThreadOutlivesItsUse() throws Exception {
        // the first round lets the JDK and libc open what they keep for the process's life
        exercise(1);
        long socketsBefore = openSockets();
        long threadsBefore = threadsNamed(TIMEOUT_THREAD);

        exercise(5);

        assertThat(threadsNamed(TIMEOUT_THREAD)).isEqualTo(threadsBefore);
        waitForSocketsToClose(socketsBefore);
        assertThat(openSockets()).isEqualTo(socketsBefore);
    }

    private static void exercise(int rounds) throws Exception {
        Script stallingAtRcpt = Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<ok@example.com>").send("250 ok")
            .expect("RCPT TO:<stall@example.com>").stall();
        Script delivering = Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
        Script dropping = Script.of().send("220 mx.test").drop();
        try (ScriptedServer stalling = ScriptedServer.tcp(stallingAtRcpt);
             ScriptedServer good = ScriptedServer.tcp(delivering);
             ScriptedServer dropper = ScriptedServer.tcp(dropping);
             DownstreamSender stallSender = DownstreamSender.create(SettingsBuilder.to(stalling.tcpUri())
                 .timeouts(Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(5)).build());
             // a connection per message: every round opens and closes its sockets
             DownstreamSender goodSender = DownstreamSender.create(SettingsBuilder.to(LoopbackPorts.deadEndpoint(), dropper.tcpUri(),
                 good.tcpUri()).connections(ConnectionSettings.ONE_PER_MESSAGE).build())) {
            for (int i = 0; i < rounds; i++) {
                DeliveryResult stalled = stallSender.deliver(new Envelope("a@example.com", List.of("ok@example.com", "stall@example.com")),
                    Messages.of(Messages.SIMPLE));
                assertThat(stalled.failed()).hasSize(2);
                DeliveryResult delivered = goodSender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
                assertThat(delivered.failed()).isEmpty();
            }
            // one timeout thread per sender, however many deliveries it made
            assertThat(threadsNamed(TIMEOUT_THREAD)).isEqualTo(2);
            stalling.awaitConversations(rounds);
            good.awaitConversations(rounds);
            dropper.awaitConversations(rounds);
        }
    }

    private static long openSockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).count();
    }

    /** The server side closes on its own threads; give them a moment, never more than a few seconds. */
    private static void waitForSocketsToClose(long expected) throws Exception {
        for (int i = 0; i < 100 && openSockets() > expected; i++) {
            Thread.sleep(20);
        }
    }
}
