package org.remoteforward.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.ConnectionSettings;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DialogueLogging;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Envelope;
import org.remoteforward.sender.MessageSource;
import org.remoteforward.sender.Protocol;
import org.remoteforward.sender.SenderSettings;
import org.remoteforward.sender.Timeouts;
import org.remoteforward.sender.TlsSettings;

/**
 * P3's child JVM (started with a small heap): sends one message of the given size, made on the
 * fly, to the given port, then prints {@code <result> <bytes> <seconds> <peak RSS kB>}.
 */
public final class LargeMessageChild {
    private LargeMessageChild() {
    }

    public static void main(String[] args) throws Exception {
        SenderSettings settings = new SenderSettings(Protocol.SMTP, List.of(Endpoint.parse("tcp://127.0.0.1:" + args[0])), false,
            TlsSettings.DEFAULTS, AuthMode.OFF, Optional.empty(), new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(30),
            Duration.ofMinutes(5)), "bench.test", DialogueLogging.OFF, ConnectionSettings.ONE_PER_MESSAGE, false, false);
        long size = Long.parseLong(args[1]);
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab\r\n".getBytes();
        try (DownstreamSender sender = DownstreamSender.create(settings)) {
            long start = System.nanoTime();
            DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), new MessageSource() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public void writeTo(OutputStream out) throws IOException {
                    out.write("Subject: large\r\n\r\n".getBytes());
                    for (long written = 0; written < size; written += line.length) {
                        out.write(line);
                    }
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            String peak = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: -1 kB").replaceAll("[^0-9]", "");
            System.out.println((result.failed().isEmpty() ? "sent" : "failed") + " " + size + " " + seconds + " " + peak);
            System.exit(result.failed().isEmpty() ? 0 : 1);
        }
    }
}
