package org.remoteforward.smtp;

import java.util.Optional;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.remoteforward.mailet.DeliveryMetrics;
import org.remoteforward.sender.Transaction;

/**
 * The downstream transaction that mirrors a client's SMTP transaction with James, kept in the
 * client's session between its RCPTs and its message. It is held for the connection and marked
 * for the transaction: when James starts a new transaction (RSET, a new MAIL) the mark is gone,
 * and the old downstream transaction is ended before a new one begins.
 */
final class OpenForward {
    private static final ProtocolSession.AttachmentKey<OpenForward> HELD =
        ProtocolSession.AttachmentKey.of("org.remoteforward.openForward", OpenForward.class);
    private static final ProtocolSession.AttachmentKey<OpenForward> MARK =
        ProtocolSession.AttachmentKey.of("org.remoteforward.openForward.transaction", OpenForward.class);

    private final Transaction transaction;
    private final Handoff handoff;
    /** Started at the client's first RCPT: the latency of a synchronous forwarding runs to the final reply. */
    private final DeliveryMetrics.Attempt clocks;

    private OpenForward(Transaction transaction, Handoff handoff) {
        this.transaction = transaction;
        this.handoff = handoff;
        this.clocks = handoff.metrics().start();
    }

    Transaction transaction() {
        return transaction;
    }

    Handoff handoff() {
        return handoff;
    }

    DeliveryMetrics.Attempt clocks() {
        return clocks;
    }

    /** The open transaction of the client's current transaction; one of an earlier transaction is ended. */
    static Optional<OpenForward> current(SMTPSession session) {
        Optional<OpenForward> held = session.getAttachment(HELD, ProtocolSession.State.Connection);
        Optional<OpenForward> marked = session.getAttachment(MARK, ProtocolSession.State.Transaction);
        if (held.isPresent() && (marked.isEmpty() || marked.get() != held.get())) {
            end(session);
            return Optional.empty();
        }
        return held;
    }

    static OpenForward open(SMTPSession session, Transaction transaction, Handoff handoff) {
        OpenForward opened = new OpenForward(transaction, handoff);
        session.setAttachment(HELD, opened, ProtocolSession.State.Connection);
        session.setAttachment(MARK, opened, ProtocolSession.State.Transaction);
        return opened;
    }

    /** Takes the client's open transaction out of its session, for the message; the caller ends it. */
    static Optional<OpenForward> take(SMTPSession session) {
        Optional<OpenForward> current = current(session);
        session.removeAttachment(HELD, ProtocolSession.State.Connection);
        session.removeAttachment(MARK, ProtocolSession.State.Transaction);
        return current;
    }

    /** Ends whatever downstream transaction the session holds: the client went away, or moved on. */
    static void end(SMTPSession session) {
        session.removeAttachment(HELD, ProtocolSession.State.Connection).ifPresent(open -> open.transaction.close());
        session.removeAttachment(MARK, ProtocolSession.State.Transaction);
    }
}
