package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;

/** The body goes to the wire as the source produces it, never gathered in memory first. */
class StreamingTest {
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 512;

    @Test
    void theServerReceivesTheStartOfTheBodyBeforeTheSourceHasWrittenTheRest() throws Exception {
        AtomicLong received = new AtomicLong();
        try (ScriptedServer server = ScriptedServer.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessageCounting(received).send("250 ok")
                .expect("QUIT").send("221 bye"));
             DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to(server.tcpUri()).build())) {
            byte[] chunk = new byte[CHUNK];
            for (int i = 0; i < CHUNK; i++) {
                chunk[i] = (byte) (i % 78 == 77 ? '\n' : 'a' + i % 26);
            }
            long[] written = {0};
            boolean[] scanned = {false};
            DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), new MessageSource() {
                @Override
                public long size() {
                    return -1;
                }

                @Override
                public void writeTo(OutputStream out) throws IOException {
                    boolean transfer = scanned[0];
                    scanned[0] = true;
                    for (int i = 0; i < CHUNKS; i++) {
                        out.write(chunk);
                        written[0] += CHUNK;
                        if (transfer && i == CHUNKS / 2) {
                            awaitServerHas(received, CHUNK * (CHUNKS / 4));
                        }
                    }
                }
            });

            assertThat(result.failed()).isEmpty();
            assertThat(received.get()).isGreaterThanOrEqualTo((long) CHUNK * CHUNKS);
            assertThat(server.violations()).isEmpty();
        }
    }

    @Test
    void fiftyMegabytesGoThroughA256MegabyteHeapByDataAndByBdat() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("the heap this test runs in").isLessThanOrEqualTo(256L * 1024 * 1024);
        long size = 50L * 1024 * 1024;
        for (String extensions : new String[] {"250 mx.test", "250 CHUNKING"}) {
            AtomicLong received = new AtomicLong();
            Script script = Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", extensions)
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok");
            script = extensions.contains("CHUNKING") ? script.receiveChunksCounting(received).send("250 ok")
                : script.expect("DATA").send("354 go").receiveMessageCounting(received).send("250 ok");
            try (ScriptedServer server = ScriptedServer.tcp(script.expect("QUIT").send("221 bye"));
                 DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to(server.tcpUri())
                     .connections(new ConnectionSettings(false, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 1,
                         Duration.ZERO, false, true)).build())) {
                DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), generated(size));

                assertThat(result.failed()).as(extensions).isEmpty();
                assertThat(received.get()).as(extensions).isGreaterThanOrEqualTo(size);
                assertThat(server.violations()).isEmpty();
            }
        }
    }

    /** A message of {@code size} bytes made as it is written, never held. */
    private static MessageSource generated(long size) {
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab\r\n".getBytes();
        return new MessageSource() {
            @Override
            public long size() {
                return -1;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write("Subject: fifty megabytes\r\n\r\n".getBytes());
                for (long written = 0; written < size; written += line.length) {
                    out.write(line);
                }
            }
        };
    }

    /** Fails the delivery (and so the test) if the bytes already written have not reached the server. */
    private static void awaitServerHas(AtomicLong received, long bytes) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() < bytes) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the sender held back the body: the server has " + received.get() + " bytes");
            }
            Thread.onSpinWait();
        }
    }
}
