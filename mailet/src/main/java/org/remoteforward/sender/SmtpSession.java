package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * One connection to one endpoint, speaking SMTP or LMTP: commands (one at a time or pipelined),
 * replies, STARTTLS and the message transfer (DATA or BDAT), each under its timeout. It holds the
 * protocol state only; what to send and what the replies mean for each recipient is
 * {@link Transaction}'s business, and whether it is reused is {@link SessionPool}'s.
 *
 * <p>Once anything goes wrong (an I/O error, a timeout, a malformed reply, a 421) the session is
 * marked unusable and is only ever closed, never used for another command.
 *
 * <p>Not thread-safe: one thread uses a session at a time, handed over through the pool (whose
 * deque publishes it); only {@link #abort} may come from another thread (the timeout thread, a
 * sender shutting down), through the transport's own thread-safe abort.
 */
final class SmtpSession {
    private static final byte[] CRLF = {'\r', '\n'};
    /** Commands a pipelined group holds at most: some 50 KiB of commands, and as many replies, fit any socket's buffers. */
    static final int PIPELINE_GROUP = 100;

    private final Endpoint endpoint;
    private final Timeouts timeouts;
    private final Watchdog watchdog;
    /** The deadline of whichever step runs now: re-armed per step rather than scheduled per step. */
    private final Watchdog.Slot stepDeadline;
    private final DialogueLog log;
    private Transport transport;
    private ReplyReader reader;
    private Capabilities capabilities = Capabilities.NONE;
    private boolean usable = true;
    /** Why the session went unusable, for the recipients a later command can no longer serve. */
    private String retiredBecause;
    private final long openedNanos;
    private long idleSinceNanos;
    private int transactions;
    private String authenticatedAs;
    private Runnable onClose = () -> { };
    /** MAIL FROM went and the final reply to a message has not come since: the server may hold a transaction open. */
    private boolean inTransaction;
    /**
     * Taken from the pool without a round trip and no reply read since: a failure now means the
     * server let the idle connection go, not that it refused anything ({@link StaleSessionException}).
     */
    private boolean unproven;

    /** @param nowNanos the pool's clock when the connection was opened */
    SmtpSession(Endpoint endpoint, Transport transport, Timeouts timeouts, Watchdog watchdog, DialogueLog log, long nowNanos) {
        this.endpoint = endpoint;
        this.transport = transport;
        this.reader = new ReplyReader(transport.input());
        this.timeouts = timeouts;
        this.watchdog = watchdog;
        this.stepDeadline = watchdog.slot();
        this.log = log;
        this.openedNanos = nowNanos;
        this.idleSinceNanos = nowNanos;
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

    void transactionDone(long nowNanos) {
        transactions++;
        idleSinceNanos = nowNanos;
    }

    long ageNanos(long nowNanos) {
        return nowNanos - openedNanos;
    }

    long idleNanos(long nowNanos) {
        return nowNanos - idleSinceNanos;
    }

    /**
     * Readies a pooled session for its next transaction; false (and unusable) when it cannot serve
     * one. After a transaction that ended with the final reply to its message there is nothing to
     * send: that reply ends the transaction for the server too (RFC 5321 4.1.1.4), so MAIL FROM
     * may follow at once, and a round trip per message is saved. Should the server have let the
     * idle connection go meanwhile, the first step fails with {@link StaleSessionException} and the
     * caller takes another session. Any other ending (recipients refused, a client-paced
     * transaction taken back) may leave the server mid-transaction: RSET first, as before.
     */
    boolean readyForReuse() {
        if (!inTransaction) {
            unproven = true;
            return true;
        }
        try {
            if (command(SmtpCommand.RSET).isPositive()) {
                inTransaction = false;
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // a connection the server closed while idle: the caller opens another
        }
        retire("it did not accept RSET");
        return false;
    }

    Reply greeting() throws IOException {
        return within(TimeoutKind.COMMAND, "waiting for the greeting", () -> readReply(false));
    }

    /**
     * EHLO (LHLO for LMTP), falling back to HELO when an SMTP server does not know EHLO.
     *
     * @throws SessionSetupException when the server refuses to be greeted
     */
    void hello(Protocol protocol, String name) throws IOException {
        Reply reply = command(SmtpCommand.of(protocol.helloVerb(), name));
        if (reply.isPositive()) {
            capabilities = Capabilities.fromHelloReply(reply);
            return;
        }
        if (protocol == Protocol.SMTP && (reply.code() == 500 || reply.code() == 502)) {
            Reply helo = command(SmtpCommand.of("HELO", name));
            if (helo.isPositive()) {
                capabilities = Capabilities.NONE;
                return;
            }
            throw new SessionSetupException("refused HELO with " + helo);
        }
        throw new SessionSetupException("refused " + protocol.helloVerb() + " with " + reply);
    }

    void startTls(TlsClient tls) throws IOException {
        Reply reply = command(SmtpCommand.STARTTLS);
        if (reply.code() != 220) {
            throw new SessionSetupException("refused STARTTLS with " + reply);
        }
        if (reader.buffered() > 0 || transport.input().available() > 0) {
            // bytes that arrived before the handshake would be read as if they came over TLS (CVE-2011-0411)
            retire("it sent data after its STARTTLS reply");
            throw new SessionSetupException("sent data after its STARTTLS reply, before the TLS handshake");
        }
        transport = transport.startTls(tls, endpoint,
            handshake -> within(TimeoutKind.COMMAND, "during the STARTTLS handshake", () -> {
                handshake.run();
                return null;
            }));
        reader = new ReplyReader(transport.input());
        capabilities = Capabilities.NONE;
        log.event("TLS established: " + transport.tlsSession().getProtocol() + " " + transport.tlsSession().getCipherSuite());
    }

    /** Sends one command and waits for its reply. */
    Reply command(SmtpCommand command) throws IOException {
        return command(command, TimeoutKind.COMMAND);
    }

    private Reply command(SmtpCommand command, TimeoutKind bound) throws IOException {
        return within(bound, "waiting for the reply to " + command.verb(), () -> {
            writeLine(command);
            transport.output().flush();
            return readReply(command.secret());
        });
    }

    /**
     * PIPELINING (RFC 2920): writes the commands in groups of at most {@value #PIPELINE_GROUP},
     * each in one go, then reads that group's replies in order, each under the command timeout,
     * handing each over as soon as it is read. A server answers as it reads; were thousands of
     * commands written before any reply is read, its replies would fill the buffers back to us, it
     * would stop reading, and our writes would block with its: a group is small enough for the
     * buffers of both sides.
     */
    void pipeline(List<SmtpCommand> commands, ReplyHandler handler) throws IOException {
        for (int start = 0; start < commands.size(); start += PIPELINE_GROUP) {
            List<SmtpCommand> group = commands.subList(start, Math.min(commands.size(), start + PIPELINE_GROUP));
            within(TimeoutKind.COMMAND, "while sending pipelined commands", () -> {
                for (SmtpCommand command : group) {
                    writeLine(command);
                }
                transport.output().flush();
                return null;
            });
            for (SmtpCommand command : group) {
                handler.accept(within(TimeoutKind.COMMAND, "waiting for the reply to pipelined " + command.verb(),
                    () -> readReply(command.secret())));
            }
        }
    }

    /**
     * Streams the message after a 354, ends it with the lone dot and reads the final replies
     * (one for SMTP, one per accepted recipient for LMTP), all under the submission timeout. Each
     * reply is handed over as soon as it is read, so the replies that arrived before a failure
     * keep their meaning.
     */
    void transferMessage(MessageSource message, FinalReplies replies) throws IOException {
        within(TimeoutKind.SUBMISSION, "while sending the message and waiting for the final reply", () -> {
            MessageLinesOutputStream data = MessageLinesOutputStream.forData(transport.output());
            message.writeTo(data);
            data.finishData();
            log.sent("<message body>");
            log.sent(".");
            readFinalReplies(replies);
            return null;
        });
    }

    /**
     * The replies that follow a message: how many, and who decides them.
     *
     * @param count one for SMTP, one per accepted recipient for LMTP
     * @param handler decides each as it is read
     */
    record FinalReplies(int count, ReplyHandler handler) {
    }

    /**
     * CHUNKING (RFC 3030): the message in BDAT chunks, no dot-stuffing, each chunk's reply read
     * before the next (a refused chunk ends the transfer with that reply), then the final replies
     * after {@code BDAT n LAST}, all under the submission timeout.
     *
     * @return the reply that refused a chunk, or null when every chunk was accepted
     */
    Reply transferChunked(MessageSource message, FinalReplies replies) throws IOException {
        return transferChunked(List.of(), reply -> { }, message, () -> replies);
    }

    /** The server may still hold a transaction open: the next one starts with RSET. */
    void needsReset() {
        inTransaction = true;
    }

    /**
     * PIPELINING with CHUNKING (RFC 2920, RFC 3030 2): the envelope's commands and the message's
     * first BDAT chunk in one write; then the envelope's replies, in order, then the chunk's. A
     * message of one chunk is one round trip. The rest of a longer message follows as in {@link
     * #transferChunked(MessageSource, FinalReplies)}. A server that took no recipient refuses
     * the chunk, whose bytes it reads and drops: a last chunk's one reply then ends the transaction
     * for both sides.
     *
     * @param envelope commands written before the first chunk, at most {@value #PIPELINE_GROUP}
     * @param envelopeReplies decides the envelope's replies
     * @param afterEnvelope the final replies, asked for once the envelope's replies are read (they decide how many)
     * @return the reply that refused a chunk, or null when every chunk was accepted
     */
    Reply transferChunked(List<SmtpCommand> envelope, ReplyHandler envelopeReplies, MessageSource message,
                          Supplier<FinalReplies> afterEnvelope)
        throws IOException {
        if (envelope.size() > PIPELINE_GROUP) {
            throw new IllegalArgumentException("an envelope of " + envelope.size() + " commands is more than a pipelined group");
        }
        return within(TimeoutKind.SUBMISSION, "while sending the message in chunks and waiting for the final reply", () -> {
            for (SmtpCommand command : envelope) {
                writeLine(command);
            }
            boolean[] envelopeRead = {envelope.isEmpty()};
            ChunkingOutputStream chunks = new ChunkingOutputStream((chunk, length, last) -> {
                writeChunk(chunk, length, last);
                if (!envelopeRead[0]) {
                    envelopeRead[0] = true;
                    for (SmtpCommand command : envelope) {
                        envelopeReplies.accept(readReply(command.secret()));
                    }
                }
                return last ? null : readReply(false);
            });
            MessageLinesOutputStream lines = MessageLinesOutputStream.forChunks(chunks);
            try {
                message.writeTo(lines);
                lines.endLastLine();
            } catch (ChunkingOutputStream.ChunkRefused refused) {
                // the server is mid-transaction and will refuse what follows: never reuse this session
                retire("it refused a chunk with " + refused.reply());
                return refused.reply();
            }
            chunks.finish();
            readFinalReplies(afterEnvelope.get());
            return null;
        });
    }

    private void writeChunk(byte[] chunk, int length, boolean last) throws IOException {
        SmtpCommand command = SmtpCommand.of("BDAT", length + (last ? " LAST" : ""));
        OutputStream out = transport.output();
        writeLine(command);
        out.write(chunk, 0, length);
        out.flush();
    }

    private void readFinalReplies(FinalReplies replies) throws IOException {
        for (int i = 0; i < replies.count(); i++) {
            replies.handler().accept(readReply(false));
            if (!usable && i + 1 < replies.count()) {
                // a 421 for one LMTP recipient: the server closes, the later replies will never come
                throw new IOException("the connection to " + endpoint + " is no longer usable: " + retiredBecause);
            }
        }
        inTransaction = false;
    }

    /** Writes one command line (not flushed) and logs it as it may be shown. */
    private void writeLine(SmtpCommand command) throws IOException {
        OutputStream out = transport.output();
        out.write(command.line().getBytes(StandardCharsets.UTF_8));
        out.write(CRLF);
        log.sent(command.shown());
        if (command.opensTransaction()) {
            inTransaction = true;
        }
    }

    /**
     * Reads one reply and logs it (by code only when it is a challenge to a secret); a 421 retires
     * the session, since the server is closing the channel.
     */
    private Reply readReply(boolean challengeToSecret) throws IOException {
        Reply reply = reader.read();
        if (unproven && reply.code() == 421) {
            // a server closing the idle connection, heard only now: not an answer to this transaction
            throw new ProtocolException("answered " + reply);
        }
        unproven = false;
        if (challengeToSecret && reply.isIntermediate()) {
            log.receivedRedacted(reply);
        } else {
            log.received(reply);
        }
        if (reply.code() == 421) {
            retire("it answered " + reply);
        }
        return reply;
    }

    /** Ends the session: QUIT when the connection is still sound (under the quit timeout), then close it. Never throws. */
    void finish() {
        if (usable) {
            try {
                command(SmtpCommand.QUIT, TimeoutKind.QUIT);
            } catch (IOException | RuntimeException ignored) {
                // the transaction is over; a server that answers QUIT badly changes nothing
            }
        }
        close();
    }

    /**
     * Ends several sessions, each with QUIT, all of them within one quit timeout together: a
     * pool that lets go of many sessions at once (at shutdown, say) is not held a quit timeout per
     * silent server.
     */
    static void finishAll(Collection<SmtpSession> sessions, Watchdog watchdog) {
        if (sessions.isEmpty()) {
            return;
        }
        Duration bound = TimeoutKind.QUIT.of(sessions.iterator().next().timeouts);
        Watchdog.Deadline together = watchdog.armOrNull(bound, () -> sessions.forEach(SmtpSession::abort));
        try {
            sessions.forEach(SmtpSession::finish);
        } finally {
            if (together != null) {
                together.close();
            }
        }
    }

    /** Cuts the connection at once; safe from any thread, for a session another thread may be blocked on. */
    void abort() {
        transport.abort();
    }

    /** Marks the session as never to be used again; the first reason given is the one reported. */
    void retire(String why) {
        usable = false;
        if (retiredBecause == null) {
            retiredBecause = why;
        }
    }

    void close() {
        usable = false;
        // a TLS close writes close_notify, which a server that stopped reading can block: bounded like QUIT
        Transport current = transport;
        Watchdog.Deadline deadline = watchdog.armOrNull(TimeoutKind.QUIT.of(timeouts), current::abort);
        if (deadline == null) {
            // the sender is shutting down and nothing would bound a polite close
            current.abort();
        } else {
            try {
                current.close();
            } catch (IOException ignored) {
                current.abort();
            } finally {
                deadline.close();
            }
        }
        Runnable action = onClose;
        onClose = () -> { };
        action.run();
    }

    private <T> T within(TimeoutKind kind, String step, IoCall<T> call) throws IOException {
        if (!usable) {
            throw new IOException("the connection to " + endpoint + " is no longer usable"
                + (retiredBecause == null ? "" : ": " + retiredBecause));
        }
        Transport current = transport;
        Duration limit = kind.of(timeouts);
        if (!stepDeadline.arm(limit, current::abort)) {
            retire("the sender is shutting down");
            throw new IOException("the sender is shutting down: no step may start on " + endpoint);
        }
        try {
            return call.run();
        } catch (IOException | RuntimeException e) {
            current.abort();
            if (stepDeadline.expired()) {
                throw lost(new StepTimeoutException(kind, limit, step));
            }
            if (e instanceof IOException io) {
                throw lost(io);
            }
            retire(String.valueOf(e.getMessage()));
            throw e;
        } finally {
            stepDeadline.disarm();
        }
    }

    /**
     * The session is lost to {@code failure}: retired, and the failure reported as it is, or, on a
     * pooled session that had not answered anything yet, as {@link StaleSessionException}.
     */
    private IOException lost(IOException failure) {
        retire(failure.getMessage());
        if (unproven) {
            unproven = false;
            return new StaleSessionException(endpoint, failure);
        }
        return failure;
    }

    /** Receives replies in order, each as soon as it is read. */
    @FunctionalInterface
    interface ReplyHandler {
        void accept(Reply reply);
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T run() throws IOException;
    }
}
