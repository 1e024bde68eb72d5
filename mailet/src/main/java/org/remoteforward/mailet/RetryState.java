package org.remoteforward.mailet;

import java.time.Instant;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/**
 * Where a mail's delivery stands, kept in the mail's attributes only: the queue carries it (and
 * with a persistent or distributed queue, across restarts and nodes), the mailet keeps nothing.
 */
public final class RetryState {
    /** Attempts made so far, an Integer; absent before the first. */
    public static final AttributeName ATTEMPTS = AttributeName.of("org.remoteforward.attempts");
    /** When the next attempt is due, an ISO-8601 instant, for operators browsing the queue. */
    public static final AttributeName NEXT_ATTEMPT = AttributeName.of("org.remoteforward.nextAttempt");

    private RetryState() {
    }

    static int attempts(Mail mail) {
        return mail.getAttribute(ATTEMPTS)
            .map(attribute -> attribute.getValue().getValue())
            .filter(Integer.class::isInstance)
            .map(Integer.class::cast)
            .orElse(0);
    }

    static void recordAttempt(Mail mail, int attempts, Instant nextAttempt) {
        mail.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(attempts)));
        mail.setAttribute(new Attribute(NEXT_ATTEMPT, AttributeValue.of(nextAttempt.toString())));
    }
}
