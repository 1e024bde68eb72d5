package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One connection to one endpoint, speaking SMTP or LMTP: commands (one at a time or pipelined),
 * replies, STARTTLS and the message transfer (DATA or BDAT), each under its timeout. It holds the
 * protocol state only; what to send and what the replies mean for each recipient is
 * {@link MailTransaction}'s business, and whether it is reused is {@link SessionPool}'s.
 *
 * <p>Once anything goes wrong (an I/O error, a timeout, a malformed reply, a 421) the session is
 * marked unusable and is only ever closed, never used for another command.
 */
final class SmtpSession {
    private static final byte[] CRLF = {'\r', '\n'};
    /** BDAT chunk size: large enough that chunk replies cost little, small enough to bound memory. */
    static final int CHUNK_SIZE = 1 << 20;

    private final Endpoint endpoint;
    private final Timeouts timeouts;
    private final Watchdog watchdog;
    private final DialogueLog log;
    private Transport transport;
    private ReplyReader reader;
    private Capabilities capabilities = Capabilities.NONE;
    private boolean usable = true;
    /** Why the session went unusable, for the recipients a later command can no longer serve. */
    private String retiredBecause;
    private final long openedNanos = System.nanoTime();
    private long idleSinceNanos = openedNanos;
    private int transactions;
    private String authenticatedAs;
    private Runnable onClose = () -> { };

    SmtpSession(Endpoint endpoint, Transport transport, Timeouts timeouts, Watchdog watchdog, DialogueLog log) {
        this.endpoint = endpoint;
        this.transport = transport;
        this.reader = new ReplyReader(transport.input());
        this.timeouts = timeouts;
        this.watchdog = watchdog;
        this.log = log;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    Capabilities capabilities() {
        return capabilities;
    }

    boolean usable() {
        return usable;
    }

    /** Runs once, when the connection is closed: the pool counts open sessions with it. */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    /** The identity AUTH succeeded for on this connection; null before AUTH. */
    String authenticatedAs() {
        return authenticatedAs;
    }

    void authenticated(String identity) {
        this.authenticatedAs = identity;
    }

    int transactions() {
        return transactions;
    }

    void transactionDone() {
        transactions++;
        idleSinceNanos = System.nanoTime();
    }

    long ageNanos() {
        return System.nanoTime() - openedNanos;
    }

    long idleNanos() {
        return System.nanoTime() - idleSinceNanos;
    }

    /** RSET before a reused session's next transaction; false (and unusable) unless the server agrees. */
    boolean reset() {
        try {
            if (command("RSET").isPositive()) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // a connection the server closed while idle: the caller opens another
        }
        retire("it did not accept RSET");
        return false;
    }

    Reply greeting() throws IOException {
        return within(timeouts.command(), "command timeout", "waiting for the greeting", () -> {
            Reply reply = reader.read();
            log.received(reply);
            return reply;
        });
    }

    /**
     * EHLO (LHLO for LMTP), falling back to HELO when an SMTP server does not know EHLO.
     *
     * @throws SessionSetupException when the server refuses to be greeted
     */
    void hello(Protocol protocol, String name) throws IOException {
        Reply reply = command(protocol.helloVerb() + " " + name);
        if (reply.isPositive()) {
            capabilities = Capabilities.fromHelloReply(reply);
            return;
        }
        if (protocol == Protocol.SMTP && (reply.code() == 500 || reply.code() == 502)) {
            Reply helo = command("HELO " + name);
            if (helo.isPositive()) {
                capabilities = Capabilities.NONE;
                return;
            }
            throw new SessionSetupException("refused HELO with " + helo);
        }
        throw new SessionSetupException("refused " + protocol.helloVerb() + " with " + reply);
    }

    void startTls(TlsClient tls) throws IOException {
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) {
            throw new SessionSetupException("refused STARTTLS with " + reply);
        }
        if (transport.input().available() > 0) {
            // bytes that arrived before the handshake would be read as if they came over TLS (CVE-2011-0411)
            retire("it sent data after its STARTTLS reply");
            throw new SessionSetupException("sent data after its STARTTLS reply, before the TLS handshake");
        }
        transport = transport.startTls(tls, endpoint,
            handshake -> within(timeouts.command(), "command timeout", "during the STARTTLS handshake", () -> {
                handshake.run();
                return null;
            }));
        reader = new ReplyReader(transport.input());
        capabilities = Capabilities.NONE;
        log.event("TLS established: " + transport.tlsSession().getProtocol() + " " + transport.tlsSession().getCipherSuite());
    }

    /** Sends one command and waits for its reply. */
    Reply command(String line) throws IOException {
        return exchange(line, line, false);
    }

    /** Like {@link #command} for a line that carries a secret: the log shows {@code shown} and no challenge text. */
    Reply secretCommand(String line, String shown) throws IOException {
        return exchange(line, shown, true);
    }

    private Reply exchange(String line, String shown, boolean secret) throws IOException {
        String verb = shown.split(" ", 2)[0];
        return within(timeouts.command(), "command timeout", "waiting for the reply to " + verb, () -> {
            OutputStream out = transport.output();
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write(CRLF);
            out.flush();
            log.sent(shown);
            Reply reply = reader.read();
            if (secret && reply.isIntermediate()) {
                log.receivedRedacted(reply);
            } else {
                log.received(reply);
            }
            return closing(reply);
        });
    }

    /**
     * PIPELINING (RFC 2920): writes every command in one go, then reads their replies in order,
     * each under the command timeout, handing each over as soon as it is read.
     */
    void pipeline(List<String> commands, ReplyHandler handler) throws IOException {
        within(timeouts.command(), "command timeout", "while sending pipelined commands", () -> {
            OutputStream out = transport.output();
            for (String command : commands) {
                out.write(command.getBytes(StandardCharsets.UTF_8));
                out.write(CRLF);
                log.sent(command);
            }
            out.flush();
            return null;
        });
        for (String command : commands) {
            String verb = command.split(" ", 2)[0];
            handler.accept(within(timeouts.command(), "command timeout", "waiting for the reply to pipelined " + verb, () -> {
                Reply reply = reader.read();
                log.received(reply);
                return closing(reply);
            }));
        }
    }

    /** A 421 means the server is closing the channel: the session must not be used again. */
    private Reply closing(Reply reply) {
        if (reply.code() == 421) {
            retire("it answered " + reply);
        }
        return reply;
    }

    /**
     * Streams the message after a 354, ends it with the lone dot and reads {@code replies}
     * replies (one for SMTP, one per accepted recipient for LMTP), all under the submission
     * timeout. Each reply is handed over as soon as it is read, so the replies that arrived
     * before a failure keep their meaning.
     */
    void transferMessage(MessageSource message, int replies, ReplyHandler handler) throws IOException {
        within(timeouts.submission(), "submission timeout", "while sending the message and waiting for the final reply", () -> {
            MessageLinesOutputStream data = MessageLinesOutputStream.forData(transport.output());
            message.writeTo(data);
            data.finishData();
            log.sent("<message body>");
            log.sent(".");
            readFinalReplies(replies, handler);
            return null;
        });
    }

    /**
     * CHUNKING (RFC 3030): the message in BDAT chunks, no dot-stuffing, each chunk's reply read
     * before the next (a refused chunk ends the transfer with that reply), then the final replies
     * after {@code BDAT n LAST}, all under the submission timeout.
     *
     * @return the reply that refused a chunk, or null when every chunk was accepted
     */
    Reply transferChunked(MessageSource message, int replies, ReplyHandler handler) throws IOException {
        return within(timeouts.submission(), "submission timeout", "while sending the message in chunks and waiting for the final reply", () -> {
            ChunkingOutputStream chunks = new ChunkingOutputStream();
            MessageLinesOutputStream lines = MessageLinesOutputStream.forChunks(chunks);
            try {
                message.writeTo(lines);
                lines.endLastLine();
            } catch (ChunkRefused refused) {
                // the server is mid-transaction and will refuse what follows: never reuse this session
                retire("it refused a chunk with " + refused.reply);
                return refused.reply;
            }
            chunks.send(true);
            readFinalReplies(replies, handler);
            return null;
        });
    }

    private void readFinalReplies(int replies, ReplyHandler handler) throws IOException {
        for (int i = 0; i < replies; i++) {
            Reply reply = reader.read();
            log.received(reply);
            handler.accept(closing(reply));
            if (!usable && i + 1 < replies) {
                // a 421 for one LMTP recipient: the server closes, the later replies will never come
                throw new IOException("the connection to " + endpoint + " is no longer usable: " + retiredBecause);
            }
        }
    }

    /** Gathers the message into chunks and sends each full one as a BDAT command. */
    private final class ChunkingOutputStream extends OutputStream {
        private final byte[] chunk = new byte[CHUNK_SIZE];
        private int length;

        @Override
        public void write(int b) throws IOException {
            if (length == chunk.length) {
                throwIfRefused(send(false));
            }
            chunk[length++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int count) throws IOException {
            while (count > 0) {
                if (length == chunk.length) {
                    throwIfRefused(send(false));
                }
                int n = Math.min(count, chunk.length - length);
                System.arraycopy(bytes, offset, chunk, length, n);
                length += n;
                offset += n;
                count -= n;
            }
        }

        /** Sends what is gathered; for a non-last chunk, reads its reply and returns it when it refuses. */
        Reply send(boolean last) throws IOException {
            OutputStream out = transport.output();
            String command = "BDAT " + length + (last ? " LAST" : "");
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.write(CRLF);
            out.write(chunk, 0, length);
            out.flush();
            log.sent(command);
            length = 0;
            if (last) {
                return null;
            }
            Reply reply = reader.read();
            log.received(reply);
            return closing(reply).isPositive() ? null : reply;
        }

        private void throwIfRefused(Reply reply) throws ChunkRefused {
            if (reply != null) {
                throw new ChunkRefused(reply);
            }
        }
    }

    /** Stops the message's writer when the server refused a chunk. */
    private static final class ChunkRefused extends IOException {
        private final transient Reply reply;

        ChunkRefused(Reply reply) {
            super("chunk refused with " + reply);
            this.reply = reply;
        }
    }

    /** Ends the session: QUIT when the connection is still sound, then close it. Never throws. */
    void finish() {
        if (usable) {
            try {
                command("QUIT");
            } catch (IOException | RuntimeException ignored) {
                // the transaction is over; a server that answers QUIT badly changes nothing
            }
        }
        close();
    }

    private void retire(String why) {
        usable = false;
        if (retiredBecause == null) {
            retiredBecause = why;
        }
    }

    void close() {
        usable = false;
        try {
            transport.close();
        } catch (IOException ignored) {
            transport.abort();
        }
        Runnable action = onClose;
        onClose = () -> { };
        action.run();
    }

    private <T> T within(Duration limit, String timeoutName, String step, IoCall<T> call) throws IOException {
        if (!usable) {
            throw new IOException("the connection to " + endpoint + " is no longer usable"
                + (retiredBecause == null ? "" : ": " + retiredBecause));
        }
        Transport current = transport;
        Watchdog.Deadline deadline = watchdog.arm(limit, current::abort);
        try {
            return call.run();
        } catch (IOException | RuntimeException e) {
            current.abort();
            if (deadline.expired()) {
                StepTimeoutException timeout = new StepTimeoutException(timeoutName, limit, step);
                retire(timeout.getMessage());
                throw timeout;
            }
            retire(String.valueOf(e.getMessage()));
            throw e;
        } finally {
            deadline.close();
        }
    }

    /** Receives the replies after the final dot, in order. */
    @FunctionalInterface
    interface ReplyHandler {
        void accept(Reply reply);
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T run() throws IOException;
    }
}
