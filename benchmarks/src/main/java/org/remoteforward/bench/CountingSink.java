package org.remoteforward.bench;

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
 * as they come; every forwarding path compared gets the same server. It reads in bulk and scans
 * for the end of DATA without decoding lines, so that it costs the forwarding rows as little CPU
 * as it can: on two cores it shares the machine with what it measures.
 *
 * <p>For latency, a message's sender may carry a number ({@code load+17@example.com}, see
 * {@link SmtpLoad}): the moment the end of its DATA arrives is recorded under that number in
 * the {@link Arrivals} given to {@link #reset}.
 */
final class CountingSink extends LoopbackListener implements Destination {
    private static final byte[] GREETING = ascii("220 sink ESMTP\r\n");
    private static final byte[] EHLO = ascii("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 2147483647\r\n");
    private static final byte[] OK = ascii("250 ok\r\n");
    private static final byte[] GO = ascii("354 go\r\n");
    private static final byte[] QUEUED = ascii("250 2.0.0 ok\r\n");
    private static final byte[] BYE = ascii("221 bye\r\n");

    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile Arrivals arrivals = Arrivals.NONE;

    CountingSink() throws IOException {
        super("counting-sink", 1024);
    }

    @Override
    public long arrived() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }

    void reset() {
        reset(Arrivals.NONE);
    }

    /** Counts from zero again, recording arrivals of numbered messages in {@code arrivals}. */
    @Override
    public void reset(Arrivals arrivals) {
        this.arrivals = arrivals;
        messages.set(0);
        bytes.set(0);
    }

    /** Waits until {@code count} messages have arrived; false if that took longer than {@code limitSeconds}. */
    @Override
    public boolean await(long count, int limitSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
        while (messages.get() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    @Override
    protected void converse(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        Wire wire = new Wire(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        Replies replies = new Replies(out);
        out.write(GREETING);
        int number = -1;
        while (true) {
            String verb = wire.commandVerb();
            if (verb == null) {
                return;
            }
            switch (verb) {
                case "EHLO", "LHLO" -> replies.add(EHLO);
                case "MAIL" -> {
                    number = wire.senderNumber();
                    replies.add(OK);
                }
                case "DATA" -> {
                    replies.add(GO);
                    replies.flush();
                    long size = wire.skipData();
                    if (size < 0) {
                        return;
                    }
                    arrivals.arrived(number, System.nanoTime());
                    bytes.addAndGet(size);
                    messages.incrementAndGet();
                    replies.add(QUEUED);
                }
                case "QUIT" -> {
                    replies.add(BYE);
                    replies.flush();
                    return;
                }
                default -> replies.add(OK);
            }
            // answer pipelined commands in one write: send only when nothing more is waiting
            if (!wire.hasMore()) {
                replies.flush();
            }
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Replies gathered until the client's pipelined group has been read. */
    private static final class Replies {
        private final OutputStream out;
        private final byte[] pending = new byte[8192];
        private int length;

        Replies(OutputStream out) {
            this.out = out;
        }

        void add(byte[] reply) throws IOException {
            if (length + reply.length > pending.length) {
                flush();
            }
            System.arraycopy(reply, 0, pending, length, reply.length);
            length += reply.length;
        }

        void flush() throws IOException {
            if (length > 0) {
                out.write(pending, 0, length);
                length = 0;
            }
        }
    }

    /** The client's bytes, read in bulk: command lines, and message data skipped up to its lone dot. */
    private static final class Wire {
        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;
        /** The current command line, start to end of its text (CRLF excluded). */
        private int lineStart;
        private int lineEnd;

        Wire(InputStream in) {
            this.in = in;
        }

        boolean hasMore() {
            return start < end;
        }

        /** The next command's verb, upper case; null at the end of the stream. */
        String commandVerb() throws IOException {
            if (!nextLine()) {
                return null;
            }
            int length = Math.min(4, lineEnd - lineStart);
            return new String(buffer, lineStart, length, StandardCharsets.US_ASCII).toUpperCase();
        }

        /** The number in a {@code MAIL FROM:<load+N@...>} line just read; -1 when it has none. */
        int senderNumber() {
            int plus = -1;
            for (int i = lineStart; i < lineEnd; i++) {
                if (buffer[i] == '+') {
                    plus = i;
                    break;
                }
            }
            if (plus < 0) {
                return -1;
            }
            int number = 0;
            int i = plus + 1;
            for (; i < lineEnd && buffer[i] >= '0' && buffer[i] <= '9'; i++) {
                number = number * 10 + (buffer[i] - '0');
            }
            return i > plus + 1 ? number : -1;
        }

        /** Skips message data up to and including the line holding a lone dot; its size, or -1 at the end of the stream. */
        long skipData() throws IOException {
            long size = 0;
            // position in the terminator CRLF . CRLF, counting the CRLF that ended the last command as seen
            int matched = 2;
            while (true) {
                if (start == end && !fill()) {
                    return -1;
                }
                byte[] b = buffer;
                int i = start;
                int limit = end;
                for (; i < limit; i++) {
                    byte value = b[i];
                    switch (matched) {
                        case 0 -> matched = value == '\r' ? 1 : 0;
                        case 1 -> matched = value == '\n' ? 2 : value == '\r' ? 1 : 0;
                        case 2 -> matched = value == '.' ? 3 : value == '\r' ? 1 : 0;
                        case 3 -> matched = value == '\r' ? 4 : 0;
                        default -> matched = value == '\n' ? 5 : value == '\r' ? 1 : 0;
                    }
                    if (matched == 5) {
                        size += i + 1 - start;
                        start = i + 1;
                        return size - 3;
                    }
                }
                size += limit - start;
                start = limit;
            }
        }

        private boolean nextLine() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = scanned; i < end; i++) {
                    if (buffer[i] == '\n') {
                        lineStart = start;
                        lineEnd = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
                        start = i + 1;
                        return true;
                    }
                }
                scanned = end - start;
                if (!fill()) {
                    return false;
                }
                scanned = start + scanned;
            }
        }

        /** Reads more, keeping what is not consumed yet; false at the end of the stream. */
        private boolean fill() throws IOException {
            if (start > 0) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.length) {
                // a command line longer than the buffer: no SMTP client of ours sends one
                throw new IOException("command line longer than " + buffer.length + " bytes");
            }
            int read = in.read(buffer, end, buffer.length - end);
            if (read < 0) {
                return false;
            }
            end += read;
            return true;
        }
    }
}
