package org.remoteforward.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * SMTP clients feeding a James: each holds one connection and sends message after message, one
 * command at a time as a plain client does, until the run's messages are all sent. Message
 * {@code n} comes from {@code load+n@example.com}, so a {@link CountingSink} downstream can tell
 * when that message arrived; the client notes the moment it sends the dot ending its DATA.
 *
 * @param clients concurrent connections
 * @param messageSize bytes of each message
 * @param recipients recipients per message
 * @param perSecond messages per second over all clients, each sent at its time (an open load, for
 *     latency); 0 sends each as soon as the client is free (as fast as the server takes them)
 */
record SmtpLoad(int clients, int messageSize, int recipients, double perSecond) {
    static SmtpLoad closed(int clients) {
        return new SmtpLoad(clients, Benchmark.MESSAGE_SIZE, 1, 0);
    }

    SmtpLoad paced(double rate) {
        return new SmtpLoad(clients, messageSize, recipients, rate);
    }

    /**
     * Sends {@code messages} messages to the server on {@code port}, noting in {@code arrivals}
     * when each ended its DATA; returns the seconds from the first command to James's last reply.
     */
    double run(int port, int messages, Arrivals arrivals) throws Exception {
        byte[] body = Benchmark.body(messageSize);
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            done.add(pool.submit(() -> {
                feed(port, body, messages, next, start, arrivals);
                return null;
            }));
        }
        try {
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void feed(int port, byte[] body, int messages, AtomicInteger next, long start, Arrivals arrivals) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setTcpNoDelay(true);
            Replies in = new Replies(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            in.expect("220");
            command(out, in, "EHLO load.test", "250");
            for (int n = next.getAndIncrement(); n < messages; n = next.getAndIncrement()) {
                if (perSecond > 0) {
                    long due = start + (long) (n * 1e9 / perSecond);
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                }
                command(out, in, "MAIL FROM:<load+" + n + "@example.com>", "250");
                for (int r = 0; r < recipients; r++) {
                    command(out, in, "RCPT TO:<" + (recipients == 1 ? "b" : "b" + r) + "@example.com>", "250");
                }
                command(out, in, "DATA", "354");
                out.write(body);
                arrivals.sent(n, System.nanoTime());
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.expect("250");
            }
            command(out, in, "QUIT", "221");
        }
    }

    private static void command(OutputStream out, Replies in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in.expect(code);
    }

    /** Reads replies in bulk; checks each final reply's code. */
    private static final class Replies {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int start;
        private int end;

        Replies(InputStream in) {
            this.in = in;
        }

        void expect(String code) throws IOException {
            while (true) {
                String line = line();
                if (line.length() > 3 && line.charAt(3) == '-') {
                    continue;
                }
                if (!line.startsWith(code)) {
                    throw new IOException("expected " + code + ", got " + line);
                }
                return;
            }
        }

        private String line() throws IOException {
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        String line = new String(buffer, start, i - start, StandardCharsets.US_ASCII).trim();
                        start = i + 1;
                        return line;
                    }
                }
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                int read = in.read(buffer, end, buffer.length - end);
                if (read < 0) {
                    throw new IOException("connection closed");
                }
                end += read;
            }
        }
    }

    @Override
    public String toString() {
        return clients + " clients" + (perSecond > 0 ? " at " + Math.round(perSecond) + "/s" : "");
    }
}
