package org.remoteforward.sender;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a recipient, or a whole transaction, is refused, and the reply that says so: every reply the
 * sender makes for a cause of its own is made here, one named constructor per cause, and a
 * synchronous caller gives it to its client as it stands. The outcome follows from the reply's
 * class (4xx temporary, 5xx permanent), so the two can never disagree.
 *
 * <p>A refusal on the downstream's word (MAIL FROM or AUTH refused) keeps that reply too: the
 * ledger decides the recipients by it, as if each had been refused with it, and records it as the
 * server's reply.
 *
 * @param reply the reply for the client: this side's, or the downstream's own
 * @param downstream the downstream's reply the refusal rests on, if any
 * @param step the command the downstream refused ({@code MAIL FROM}, {@code AUTH}); empty for a local cause
 * @param detail a sentence for logs and bounces; for a downstream refusal the ledger writes it with the endpoint
 * @param waitTurn present when nothing was sent because every usable endpoint is at its {@code
 *     maxMessagesPerMinute}: the recipients wait this long for a slot, which is no failed attempt
 */
public record Refusal(Reply reply, Optional<Reply> downstream, String step, String detail, Optional<Duration> waitTurn) {
    public Refusal(Reply reply, Optional<Reply> downstream, String step, String detail) {
        this(reply, downstream, step, detail, Optional.empty());
    }

    public Refusal {
        Objects.requireNonNull(waitTurn, "waitTurn");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(downstream, "downstream");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(detail, "detail");
        if (reply.isPositive() || reply.code() < 400) {
            throw new IllegalArgumentException("a refusal needs a 4xx or 5xx reply, not " + reply);
        }
    }

    /** Temporary for a 4xx reply, permanent for a 5xx. */
    public Outcome outcome() {
        return reply.isPermanent() ? Outcome.PERMANENT_FAILURE : Outcome.TEMPORARY_FAILURE;
    }

    private static Refusal local(int code, String enhancedAndText, String detail) {
        return new Refusal(Reply.of(code, enhancedAndText), Optional.empty(), "", detail);
    }

    /** The envelope sender cannot go on the wire (control characters, brackets, spaces, its length). */
    static Refusal badSender(String sender, String why) {
        return local(553, "5.1.7 sender refused: " + why, "sender '" + AddressCheck.printable(sender) + "' refused: " + why);
    }

    /** A recipient that cannot go on the wire. */
    static Refusal badRecipient(String recipient, String why) {
        return local(553, "5.1.3 recipient refused: " + why, "recipient '" + AddressCheck.printable(recipient) + "' refused: " + why);
    }

    /** A recipient with sender-specified routing, which {@code allowSenderRouting} would let through. */
    static Refusal senderRouting(String recipient, String routing) {
        String why = "sender-specified routing (" + routing + ") is not forwarded";
        return local(550, "5.7.1 recipient refused: " + why,
            "recipient '" + AddressCheck.printable(recipient) + "' refused: " + why + "; allowSenderRouting lets it through");
    }

    /** An address the server could take only with SMTPUTF8, which it lacks or MAIL FROM did not declare. */
    static Refusal needsSmtpUtf8(String why) {
        return local(553, "5.6.7 " + why, why);
    }

    /**
     * {@code auth forward} with no credentials for this mail. {@code mayClear}: they exist but cannot
     * be opened here (sealed with another key), which the operator can fix, so the mail waits.
     */
    public static Refusal credentialsUnavailable(String why, boolean mayClear) {
        return mayClear
            ? local(454, "4.7.0 the client's credentials cannot be used here for now (auth forward)", why)
            : local(530, "5.7.0 authentication required: the downstream is reached as the client's own user (auth forward)", why);
    }

    /** No endpoint could be used: none reachable, or all busy (a client-paced transaction never waits for one). */
    static Refusal noEndpoint(NoEndpointAvailableException e) {
        if (e.rateLimitedFor().isPresent()) {
            return new Refusal(Reply.of(451, "4.7.0 over the downstream's rate limit: " + e.getMessage()), Optional.empty(), "",
                e.getMessage(), e.rateLimitedFor());
        }
        return e.congested()
            ? local(451, "4.4.5 downstream busy: " + e.getMessage(), e.getMessage())
            : local(451, "4.4.1 downstream unavailable: " + e.getMessage(), e.getMessage());
    }

    /** The downstream refused the relay's AUTH: temporary when its reply is. */
    static Refusal authRefused(Reply downstream) {
        Reply reply = downstream.isTransient()
            ? Reply.of(454, "4.7.0 the downstream refused authentication for now: " + downstream)
            : Reply.of(535, "5.7.8 the downstream refused authentication: " + downstream);
        return new Refusal(reply, Optional.of(downstream), "AUTH", "");
    }

    /** No access token could be had (the token file, the token endpoint): nothing was sent, the mail waits for its retry. */
    static Refusal tokenUnavailable(String why) {
        return local(454, "4.7.0 no access token for the downstream for now: " + why, why);
    }

    /**
     * The downstream refused the access token, and a fresh one after it: temporary, whatever its
     * code, since a token the provider revoked or has not yet honoured is fixed by the provider or
     * the operator, never by bouncing the mail.
     */
    static Refusal tokenRefused(Endpoint endpoint, Reply downstream) {
        String why = endpoint + " refused the access token twice, a fresh one the second time: " + downstream;
        return local(454, "4.7.0 the downstream refused the access token for now", why);
    }

    /** The downstream refused MAIL FROM: its own reply goes to every recipient. */
    static Refusal mailFromRefused(Reply downstream) {
        return new Refusal(downstream, Optional.of(downstream), "MAIL FROM", "");
    }

    /** The message cannot reach this server unaltered: a line over 998 octets, 8-bit content it does not take. */
    static Refusal unsendableMessage(String why) {
        return local(554, "5.6.0 " + why, why);
    }

    /** The message is over the server's SIZE limit: 552 and "message too big" (RFC 1870, RFC 3463 5.3.4), as the server would say. */
    static Refusal overSizeLimit(String overLimit) {
        return local(552, "5.3.4 " + overLimit, overLimit);
    }

    /** The size a client declared is over the server's SIZE limit (RFC 1870): refused before its message is read. */
    static Refusal declaredOverLimit(String overLimit) {
        return overSizeLimit("declared " + overLimit);
    }

    /** A transaction holds as many recipients as {@code maxRecipientsPerMessage} lets one message have: the rest go in another. */
    static Refusal overRecipientLimit(int limit) {
        return local(452, "4.5.3 too many recipients for one message to this relay (maxRecipientsPerMessage " + limit + ")",
            "over maxRecipientsPerMessage (" + limit + ") in one transaction");
    }

    /** The session broke off, or a client-paced transaction lost its session: only a retry is safe. */
    static Refusal brokeOff(String cause) {
        return local(451, "4.4.2 " + cause, cause);
    }

    /** A failure no recipient's outcome explains (a defect, a refusal by James): the recipients are retried. */
    public static Refusal localError(String detail) {
        return local(451, "4.3.0 local error in processing", detail);
    }
}
