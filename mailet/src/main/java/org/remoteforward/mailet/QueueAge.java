package org.remoteforward.mailet;

import java.time.Instant;
import java.util.Optional;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/**
 * When a mail first entered the mailet's queue ({@value #NAME}, epoch milliseconds, kept through
 * every retry and wait queue): what the health check measures a backlog's age by.
 */
final class QueueAge {
    static final String NAME = "org.remoteforward.queuedSince";
    static final AttributeName QUEUED_SINCE = AttributeName.of(NAME);

    private QueueAge() {
    }

    /** Marks the mail as queued at {@code now}, unless it was queued before. */
    static void stamp(Mail mail, Instant now) {
        if (mail.getAttribute(QUEUED_SINCE).isEmpty()) {
            mail.setAttribute(new Attribute(QUEUED_SINCE, AttributeValue.of(now.toEpochMilli())));
        }
    }

    /** When the mail was first queued; for a mail queued by an earlier version, the last time James changed it. */
    static Optional<Instant> since(Mail mail) {
        Optional<Instant> stamped = mail.getAttribute(QUEUED_SINCE).map(attribute -> attribute.getValue().getValue())
            .filter(Long.class::isInstance).map(millis -> Instant.ofEpochMilli((Long) millis));
        return stamped.or(() -> Optional.ofNullable(mail.getLastUpdated()).map(java.util.Date::toInstant));
    }
}
