package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One connection to one endpoint, speaking SMTP or LMTP: commands, replies, STARTTLS and the
 * message transfer, each under its timeout. It holds the protocol state only; what to send and
 * what the replies mean for each recipient is {@link MailTransaction}'s business.
 *
 * <p>Once anything goes wrong (an I/O error, a timeout, a malformed reply) the session is marked
 * unusable and is only ever closed, never used for another command.
 */
final class SmtpSession {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Endpoint endpoint;
    private final Timeouts timeouts;
    private final Watchdog watchdog;
    private final DialogueLog log;
    private Transport transport;
    private ReplyReader reader;
    private Capabilities capabilities = Capabilities.NONE;
    private boolean usable = true;

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
            usable = false;
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
            return reply;
        });
    }

    /**
     * Streams the message after a 354, ends it with the lone dot and reads {@code replies}
     * replies (one for SMTP, one per accepted recipient for LMTP), all under the submission
     * timeout. Each reply is handed over as soon as it is read, so the replies that arrived
     * before a failure keep their meaning.
     */
    void transferMessage(MessageSource message, int replies, ReplyHandler handler) throws IOException {
        within(timeouts.submission(), "submission timeout", "while sending the message and waiting for the final reply", () -> {
            DotStuffingOutputStream data = new DotStuffingOutputStream(transport.output());
            message.writeTo(data);
            data.finish();
            log.sent("<message body>");
            log.sent(".");
            for (int i = 0; i < replies; i++) {
                Reply reply = reader.read();
                log.received(reply);
                handler.accept(reply);
            }
            return null;
        });
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

    void close() {
        usable = false;
        try {
            transport.close();
        } catch (IOException ignored) {
            transport.abort();
        }
    }

    private <T> T within(Duration limit, String timeoutName, String step, IoCall<T> call) throws IOException {
        if (!usable) {
            throw new IOException("the connection to " + endpoint + " is no longer usable");
        }
        Transport current = transport;
        Watchdog.Deadline deadline = watchdog.arm(limit, current::abort);
        try {
            return call.run();
        } catch (IOException | RuntimeException e) {
            usable = false;
            current.abort();
            if (deadline.expired()) {
                throw new StepTimeoutException(timeoutName, limit, step);
            }
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
