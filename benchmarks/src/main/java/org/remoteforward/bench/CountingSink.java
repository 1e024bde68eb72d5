package org.remoteforward.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.remoteforward.it.LoopbackListener;

/**
 * An SMTP server on a free loopback port that accepts everything, stores nothing and counts
 * messages, so an end-to-end run knows when the last one arrived. It answers pipelined commands
 * as they come; the two Jameses compared against it get the same server.
 */
final class CountingSink extends LoopbackListener {
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    CountingSink() throws IOException {
        super("counting-sink", 512);
    }

    long messages() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }

    void reset() {
        messages.set(0);
        bytes.set(0);
    }

    /** Waits until {@code count} messages have arrived; false if that took longer than {@code limitSeconds}. */
    boolean await(long count, int limitSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
        while (messages.get() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    @Override
    protected void converse(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
        OutputStream out = new BufferedOutputStream(socket.getOutputStream());
        out.write("220 sink ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] line = new byte[8192];
        while (true) {
            int length = readLine(in, line);
            if (length < 0) {
                return;
            }
            String verb = new String(line, 0, Math.min(4, length), StandardCharsets.US_ASCII).toUpperCase();
            switch (verb) {
                case "EHLO", "LHLO" -> out.write("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n".getBytes(StandardCharsets.US_ASCII));
                case "DATA" -> {
                    out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    long size = 0;
                    while (true) {
                        int n = readLine(in, line);
                        if (n < 0) {
                            return;
                        }
                        if (n == 1 && line[0] == '.') {
                            break;
                        }
                        size += n + 2;
                    }
                    bytes.addAndGet(size);
                    messages.incrementAndGet();
                    out.write("250 2.0.0 ok\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                case "QUIT" -> {
                    out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                default -> out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            // answer pipelined commands in one write: flush only when nothing more is waiting
            if (in.available() == 0) {
                out.flush();
            }
        }
    }

    /** Reads a line without its CRLF into {@code buffer} (long lines are cut); -1 at end of stream. */
    private static int readLine(InputStream in, byte[] buffer) throws IOException {
        int length = 0;
        int previous = -1;
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                return previous == '\r' ? length - 1 : length;
            }
            if (length < buffer.length) {
                buffer[length++] = (byte) b;
            }
            previous = b;
        }
        return -1;
    }

}
