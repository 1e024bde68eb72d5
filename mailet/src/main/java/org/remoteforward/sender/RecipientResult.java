package org.remoteforward.sender;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one recipient.
 *
 * @param recipient the address as given in the envelope
 * @param outcome delivered, temporary or permanent failure
 * @param reply the reply that stands for the outcome, always there: the downstream's, or the one the
 *     sender made for a cause of its own ({@link Refusal}); a synchronous caller gives it to its client
 * @param serverReply the downstream reply that decided it, when a server gave one (a DSN's
 *     {@code Diagnostic-Code}, the failure attributes)
 * @param detail a sentence for logs and bounces: the reply in context, or the local cause
 * @param endpoint the endpoint that answered, when a connection was made
 * @param dsnTakenOver delivered to a server that advertised DSN and was given the recipient's DSN
 *     request: any notice from now on (success, delay, a later failure) is that server's to send
 * @param waitTurn present for a recipient never sent because every usable endpoint was at its
 *     {@code maxMessagesPerMinute}: it waits this long for a slot, and that is no failed attempt
 */
public record RecipientResult(String recipient, Outcome outcome, Reply reply, Optional<Reply> serverReply, String detail,
                              Optional<Endpoint> endpoint, boolean dsnTakenOver, Optional<Duration> waitTurn) {
    /** A result with no rate wait. */
    public RecipientResult(String recipient, Outcome outcome, Reply reply, Optional<Reply> serverReply, String detail,
                           Optional<Endpoint> endpoint, boolean dsnTakenOver) {
        this(recipient, outcome, reply, serverReply, detail, endpoint, dsnTakenOver, Optional.empty());
    }

    public RecipientResult {
        Objects.requireNonNull(waitTurn, "waitTurn");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(serverReply, "serverReply");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    /** A recipient the server decided with {@code reply}, no DSN request taken over. */
    public static RecipientResult answered(String recipient, Outcome outcome, Reply reply, String detail, Optional<Endpoint> endpoint) {
        return new RecipientResult(recipient, outcome, reply, Optional.of(reply), detail, endpoint, false);
    }

    /** A recipient refused on this side, before any server was asked about it. */
    public static RecipientResult refused(String recipient, Refusal refusal) {
        return new RecipientResult(recipient, refusal.outcome(), refusal.reply(), Optional.empty(), refusal.detail(), Optional.empty(), false,
            refusal.waitTurn());
    }

    /** The same result with another detail (an attempt count in front of it, say). */
    public RecipientResult withDetail(String newDetail) {
        return new RecipientResult(recipient, outcome, reply, serverReply, newDetail, endpoint, dsnTakenOver, waitTurn);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
