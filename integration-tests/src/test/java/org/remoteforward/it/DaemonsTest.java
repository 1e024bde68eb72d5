package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixtures' own promises: what a test's daemons rely on before any mail moves. */
class DaemonsTest {

    /**
     * The kernel may give the same ephemeral port to two binds of port 0 in a row once the first
     * socket is closed: a broker once got one port for AMQP and management, and died of it.
     */
    @Test
    void freePortNeverHandsOutTheSamePortTwiceInOneJvm() throws Exception {
        Set<Integer> handedOut = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int port = Daemons.freePort();
            assertThat(handedOut.add(port)).as("port %d handed out again, at call %d", port, i + 1).isTrue();
        }
    }

    /**
     * A broker that lost its AMQP port to another listener (once its own management listener, on
     * the same port) must be reported, not waited for: James blocks forever on a broker that
     * never speaks AMQP.
     */
    @Test
    void aListenerThatDoesNotSpeakAmqpIsNotTakenForTheBroker(@TempDir Path dir) throws Exception {
        Path log = Files.writeString(dir.resolve("broker.log"), "listener 127.0.0.1: eaddrinuse\n");
        Process stillRunning = new ProcessBuilder("sleep", "60").start();
        try (ServerSocket http = Daemons.listen(5)) {
            Thread answering = new Thread(() -> answerHttp(http));
            answering.setDaemon(true);
            answering.start();
            assertThatThrownBy(() -> RabbitMqBroker.awaitAmqp(http.getLocalPort(), stillRunning, log, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no AMQP broker on port " + http.getLocalPort())
                .hasMessageContaining("does not speak AMQP")
                .hasMessageContaining("eaddrinuse");
        } finally {
            stillRunning.destroyForcibly().waitFor();
        }
    }

    @Test
    void aBrokerThatExitedIsReportedWithItsLog(@TempDir Path dir) throws Exception {
        Path log = Files.writeString(dir.resolve("broker.log"), "BOOT FAILED\n");
        Process exited = new ProcessBuilder("false").start();
        exited.waitFor();
        assertThatThrownBy(() -> RabbitMqBroker.awaitAmqp(Daemons.freePort(), exited, log, Duration.ofSeconds(30)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("exited with 1")
            .hasMessageContaining("BOOT FAILED");
    }

    private static void answerHttp(ServerSocket http) {
        while (!http.isClosed()) {
            try (Socket client = http.accept(); OutputStream out = client.getOutputStream()) {
                client.getInputStream().read(new byte[8]);
                out.write("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (Exception closed) {
                return;
            }
        }
    }
}
