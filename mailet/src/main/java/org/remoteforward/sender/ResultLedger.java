package org.remoteforward.sender;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tracks each recipient from named to decided and owns what replies mean for them: a RCPT reply,
 * the final reply or replies after the message (one for all over SMTP, one per accepted recipient
 * over LMTP), a refusal of the whole transaction, a session that broke off. Whatever breaks
 * mid-transaction, every recipient still undecided gets an outcome and none is decided twice.
 */
final class ResultLedger {
    private final Map<String, RecipientResult> decided = new LinkedHashMap<>();
    /** Every recipient named, distinct, in order (a set: envelopes of many thousands are named one by one). */
    private final Set<String> order = new LinkedHashSet<>();
    /** The recipients the server accepted at RCPT, in order: the ones the final replies are about. */
    private final List<String> accepted = new ArrayList<>();
    /** Refused at RCPT only because this transaction holds as many recipients as the server takes. */
    private final List<String> overRecipientLimit = new ArrayList<>();
    private Endpoint endpoint;
    /** The server advertised DSN, so it was given each recipient's DSN request. */
    private boolean dsnOffered;

    /** Adds a recipient; false when it was named before (an envelope is a set). */
    boolean name(String recipient) {
        return order.add(recipient);
    }

    /** The server the transaction talks to, and whether it advertised DSN. */
    void server(Endpoint endpoint, boolean dsnOffered) {
        this.endpoint = endpoint;
        this.dsnOffered = dsnOffered;
    }

    Optional<Endpoint> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    List<String> pending() {
        return order.stream().filter(r -> !decided.containsKey(r)).toList();
    }

    boolean isDecided(String recipient) {
        return decided.containsKey(recipient);
    }

    /**
     * The answer to one RCPT: accepted (the message decides it later), or refused with the reply.
     * A 452 once the server has accepted others is its recipient limit (RFC 5321 4.5.3.1.10,
     * enhanced code 4.5.3 when it gives one), and so is a 552 (5.5.3), which that section says to
     * take as a 452: such a recipient is failed temporarily here, and listed in {@link
     * #overRecipientLimit} for a further transaction. Any other 552 to RCPT is temporary too.
     */
    void rcptReply(String recipient, Reply reply) {
        if (reply.isPositive()) {
            accepted.add(recipient);
            return;
        }
        boolean limitCode = reply.code() == 452 || reply.code() == 552;
        if (limitCode && !accepted.isEmpty() && reply.enhancedStatus().map(TOO_MANY_RECIPIENTS::contains).orElse(true)) {
            overRecipientLimit.add(recipient);
        }
        // RFC 5321 4.5.3.1.10: a 552 to RCPT ("too many recipients", historically) is to be taken as 452
        Outcome outcome = reply.code() == 552 ? Outcome.TEMPORARY_FAILURE : outcomeOf(reply);
        answered(recipient, outcome, reply, "RCPT TO");
    }

    private static final Set<EnhancedStatus> TOO_MANY_RECIPIENTS = Set.of(new EnhancedStatus(4, 5, 3), new EnhancedStatus(5, 5, 3));
    private static final EnhancedStatus MAILBOX_FULL = new EnhancedStatus(5, 2, 2);

    /** A recipient past {@code maxRecipientsPerMessage} in this transaction: refused here, and sent in a further one. */
    void overOwnLimit(String recipient, Refusal refusal) {
        refused(recipient, refusal);
        overRecipientLimit.add(recipient);
    }

    /** The recipients refused for the server's recipient limit only: they can go at once in a further transaction. */
    List<String> overRecipientLimit() {
        return List.copyOf(overRecipientLimit);
    }

    /** The recipients accepted at RCPT, in order. */
    List<String> accepted() {
        return List.copyOf(accepted);
    }

    /** The accepted recipients still waiting for the message's outcome. */
    List<String> awaitingMessage() {
        return accepted.stream().filter(r -> !decided.containsKey(r)).toList();
    }

    /**
     * Decides a recipient by a refusal: on the downstream's word, as if it had been refused with the
     * downstream's reply at that step (4xx temporary, 5xx permanent), keeping the refusal's own
     * reply for the client; on a local cause, by the refusal alone.
     */
    void refused(String recipient, Refusal refusal) {
        if (refusal.downstream().isPresent()) {
            Reply downstream = refusal.downstream().get();
            decide(recipient, outcomeOf(downstream), refusal.reply(), refusal.downstream(), answeredAt(refusal.step(), downstream), Optional.empty());
        } else {
            decide(recipient, refusal.outcome(), refusal.reply(), Optional.empty(), refusal.detail(), refusal.waitTurn());
        }
    }

    /**
     * A refusal of the message (DATA, a BDAT chunk, the reply after it): as {@link #refused},
     * except that a 552 is the mailbox over its quota, temporary (RFC 3463 X.2.2), unless its
     * enhanced status says otherwise: {@code 552 5.3.4} is a message too big, permanent.
     */
    private void messageRefusedFor(String recipient, Reply reply, String step) {
        boolean mailboxFull = reply.code() == 552 && reply.enhancedStatus().map(MAILBOX_FULL::equals).orElse(true);
        Outcome outcome = mailboxFull ? Outcome.TEMPORARY_FAILURE : outcomeOf(reply);
        answered(recipient, outcome, reply, step);
    }

    private static Outcome outcomeOf(Reply reply) {
        return reply.isPermanent() ? Outcome.PERMANENT_FAILURE : Outcome.TEMPORARY_FAILURE;
    }

    /** Every recipient still undecided gets {@code refusal}. */
    void refuseAllPending(Refusal refusal) {
        pending().forEach(r -> refused(r, refusal));
    }

    /** The message step (DATA, a BDAT chunk) was refused: every accepted recipient still waiting gets the reply. */
    void messageRefused(Reply reply, String step) {
        awaitingMessage().forEach(r -> messageRefusedFor(r, reply, step));
    }

    /**
     * The replies after the message and how each decides the accepted recipients: one for all over
     * SMTP, one per accepted recipient over LMTP. With nobody accepted (a pipelined BDAT went all
     * the same), the one reply refuses a message nobody waits for, and decides nothing.
     */
    SmtpSession.FinalReplies finalReplies(Protocol protocol) {
        if (accepted.isEmpty()) {
            return new SmtpSession.FinalReplies(1, reply -> { });
        }
        List<String> recipients = accepted();
        Iterator<String> owners = recipients.iterator();
        return new SmtpSession.FinalReplies(protocol == Protocol.LMTP ? recipients.size() : 1, reply -> {
            for (String recipient : protocol == Protocol.LMTP ? List.of(owners.next()) : recipients) {
                if (reply.isPositive()) {
                    decide(recipient, Outcome.DELIVERED, reply, Optional.of(reply), reply.toString(), Optional.empty());
                } else {
                    messageRefusedFor(recipient, reply, "the message");
                }
            }
        });
    }

    private String where() {
        return endpoint == null ? "server" : endpoint.toString();
    }

    /** Decides a recipient the server refused with {@code reply} at {@code step}. */
    private void answered(String recipient, Outcome outcome, Reply reply, String step) {
        requireCompletion(reply, step);
        decide(recipient, outcome, reply, Optional.of(reply), answeredAt(step, reply), Optional.empty());
    }

    private String answeredAt(String step, Reply reply) {
        return where() + " answered " + step + " with " + reply;
    }

    /**
     * A reply that decides recipients completes its command: 2xx, 4xx or 5xx. A 3xx there (354 to
     * RCPT, 334 to DATA) is no SMTP answer to that step: thrown as a protocol violation, which breaks
     * the session off and leaves every open recipient to be retried, so no client is ever handed a
     * server's 3xx as the outcome of its own command.
     *
     * @param step the command it answers, for the error
     */
    static void requireCompletion(Reply reply, String step) {
        if (!reply.isPositive() && !reply.isTransient() && !reply.isPermanent()) {
            String violation = "answered " + step + " with " + reply;
            throw new UncheckedIOException(violation, new ProtocolException(violation));
        }
    }

    private void decide(String recipient, Outcome outcome, Reply reply, Optional<Reply> serverReply, String detail,
                        Optional<Duration> waitTurn) {
        if (decided.containsKey(recipient)) {
            throw new IllegalStateException(recipient + " is already decided");
        }
        decided.put(recipient, new RecipientResult(recipient, outcome, reply, serverReply, detail, Optional.ofNullable(endpoint),
            outcome == Outcome.DELIVERED && dsnOffered, waitTurn));
    }

    /** Every recipient named, each decided. */
    DeliveryResult result() {
        List<RecipientResult> results = new ArrayList<>();
        for (String recipient : order) {
            RecipientResult result = decided.get(recipient);
            if (result == null) {
                throw new IllegalStateException(recipient + " was left undecided");
            }
            results.add(result);
        }
        return new DeliveryResult(results, Optional.ofNullable(endpoint));
    }
}
