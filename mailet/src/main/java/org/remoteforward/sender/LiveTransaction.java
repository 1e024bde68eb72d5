package org.remoteforward.sender;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mail transaction driven step by step by a caller that is itself in an SMTP dialogue with
 * a client: MAIL FROM when it begins, a RCPT TO each time the client names a recipient, then the
 * message. Every step answers with a {@link Reply} the caller can give its client as its own: the
 * downstream's, or one made here for what happened on this side (no endpoint usable or a broken
 * connection: 451; an address or a message the downstream cannot take unaltered: 5xx).
 *
 * <p>Not thread-safe: one SMTP session drives it. {@link #close} ends it whatever state it is in;
 * the pool resets a session left mid-transaction (RSET) before it serves anyone again.
 */
public final class LiveTransaction implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(LiveTransaction.class);

    private final SenderSettings settings;
    private final SessionPool pool;
    private final SmtpSession session;
    private final Reply mailReply;
    private final List<String> accepted = new ArrayList<>();
    private boolean dataSent;
    private boolean closed;

    private LiveTransaction(SenderSettings settings, SessionPool pool, SmtpSession session, Reply mailReply) {
        this.settings = settings;
        this.pool = pool;
        this.session = session;
        this.mailReply = mailReply;
    }

    /** Takes a session from the pool, authenticates it as needed and sends MAIL FROM. */
    static LiveTransaction begin(SenderSettings settings, SessionPool pool, String identity, String sender,
                                 Optional<Credentials> credentials, OptionalLong declaredSize) {
        Optional<String> badSender = AddressCheck.unsendable(sender);
        if (badSender.isPresent()) {
            return refused(settings, pool, Reply.of(553, "5.1.7 sender refused: " + badSender.get()));
        }
        if (settings.auth() == AuthMode.FORWARD && credentials.isEmpty()) {
            return refused(settings, pool, Reply.of(530, "5.7.0 authentication required: the downstream is reached as the"
                + " client's own user (auth forward)"));
        }
        SmtpSession session;
        try {
            session = pool.acquire(identity);
        } catch (NoEndpointAvailableException e) {
            return refused(settings, pool, Reply.of(451, "4.4.1 downstream unavailable: " + e.getMessage()));
        }
        try {
            Optional<Reply> authRefused = Authentication.authenticate(session, settings, identity, credentials);
            if (authRefused.isPresent()) {
                // unauthenticated, it would serve nobody from the pool
                session.close();
                Reply downstream = authRefused.get();
                return new LiveTransaction(settings, pool, session, downstream.isTransient()
                    ? Reply.of(454, "4.7.0 the downstream refused authentication for now: " + downstream)
                    : Reply.of(535, "5.7.8 the downstream refused authentication: " + downstream));
            }
            Capabilities capabilities = session.capabilities();
            Optional<String> wireSender = AddressCheck.wireForm(sender, capabilities.has("SMTPUTF8"));
            if (wireSender.isEmpty()) {
                return new LiveTransaction(settings, pool, session, Reply.of(553, "5.6.7 sender " + sender
                    + " needs SMTPUTF8, which " + session.endpoint() + " does not advertise"));
            }
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(wireSender.get()).append('>');
            if (declaredSize.isPresent() && capabilities.has("SIZE")) {
                mail.append(" SIZE=").append(declaredSize.getAsLong());
            }
            // the message is not here yet: declaring 8-bit where the server takes it costs nothing if it is 7-bit
            if (capabilities.has("8BITMIME")) {
                mail.append(" BODY=8BITMIME");
            }
            return new LiveTransaction(settings, pool, session, session.command(mail.toString()));
        } catch (IOException | RuntimeException e) {
            return broken(settings, pool, session, e);
        }
    }

    private static LiveTransaction refused(SenderSettings settings, SessionPool pool, Reply reply) {
        return new LiveTransaction(settings, pool, null, reply);
    }

    private static LiveTransaction broken(SenderSettings settings, SessionPool pool, SmtpSession session, Exception e) {
        LOGGER.debug("transaction with {} broke off", session.endpoint(), e);
        session.close();
        return new LiveTransaction(settings, pool, session, Reply.of(451, "4.4.2 " + session.endpoint() + ": "
            + SessionOpener.describe(e)));
    }

    /** The answer to MAIL FROM; unless positive, every recipient gets it too. */
    public Reply mailReply() {
        return mailReply;
    }

    /** The endpoint this transaction talks to; empty when none could be reached. */
    public Optional<Endpoint> endpoint() {
        return Optional.ofNullable(session).map(SmtpSession::endpoint);
    }

    /** Sends RCPT TO for {@code recipient} and answers with the downstream's reply to it. */
    public Reply recipient(String recipient) {
        if (!mailReply.isPositive()) {
            return mailReply;
        }
        if (dataSent || closed) {
            throw new IllegalStateException("the transaction is over");
        }
        if (!session.usable()) {
            return Reply.of(451, "4.4.2 " + session.endpoint() + ": the connection is gone");
        }
        Optional<String> bad = AddressCheck.unsendable(recipient);
        if (bad.isPresent()) {
            return Reply.of(553, "5.1.3 recipient refused: " + bad.get());
        }
        Optional<String> wire = AddressCheck.wireForm(recipient, session.capabilities().has("SMTPUTF8"));
        if (wire.isEmpty()) {
            return Reply.of(553, "5.6.7 recipient " + recipient + " needs SMTPUTF8, which " + session.endpoint() + " does not advertise");
        }
        try {
            Reply reply = session.command("RCPT TO:<" + wire.get() + ">");
            if (reply.isPositive()) {
                accepted.add(recipient);
            }
            return reply;
        } catch (IOException | RuntimeException e) {
            LOGGER.debug("RCPT to {} broke off", session.endpoint(), e);
            session.close();
            return Reply.of(451, "4.4.2 " + session.endpoint() + ": " + SessionOpener.describe(e));
        }
    }

    /** The recipients the downstream accepted so far, in order. */
    public List<String> accepted() {
        return List.copyOf(accepted);
    }

    /**
     * Sends the message to the accepted recipients and returns each one's outcome: over SMTP the
     * one final reply for all, over LMTP each recipient's own. A connection that breaks after the
     * message went out leaves the recipients temporarily failed: the downstream may have it.
     */
    public DeliveryResult data(MessageSource message) {
        if (dataSent || closed) {
            throw new IllegalStateException("the transaction is over");
        }
        dataSent = true;
        ResultLedger ledger = new ResultLedger(accepted);
        if (accepted.isEmpty()) {
            return ledger.result();
        }
        ledger.endpoint(session.endpoint());
        if (!session.usable()) {
            ledger.failAllPending(Outcome.TEMPORARY_FAILURE, session.endpoint() + ": the connection is gone");
            return ledger.result();
        }
        try {
            Capabilities capabilities = session.capabilities();
            Optional<String> unsendable = MessageTraits.overSizeLimit(message.size(), capabilities, session.endpoint());
            if (unsendable.isEmpty()) {
                unsendable = MessageTraits.scan(message).unsendableTo(capabilities, session.endpoint());
            }
            if (unsendable.isPresent()) {
                ledger.failAllPending(Outcome.PERMANENT_FAILURE, unsendable.get());
                return ledger.result();
            }
            MessageTransfer.send(session, settings.protocol(), settings.connections().chunking() && capabilities.has("CHUNKING"),
                message, accepted, ledger, Optional.empty());
        } catch (IOException | RuntimeException e) {
            LOGGER.debug("message to {} broke off", session.endpoint(), e);
            session.close();
            ledger.failAllPending(Outcome.TEMPORARY_FAILURE, session.endpoint() + ": " + SessionOpener.describe(e));
        }
        return ledger.result();
    }

    /** Ends the transaction: the session goes back to the pool, which resets or closes it. Never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (session != null) {
            pool.release(session);
        }
    }
}
