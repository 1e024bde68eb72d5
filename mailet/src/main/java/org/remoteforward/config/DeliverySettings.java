package org.remoteforward.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the mailet hands mail to its sender and what it does when delivery fails.
 *
 * @param outgoingQueue the James mail queue mails wait in for delivery and retries
 * @param deliveryThreads how many deliveries run at once from that queue
 * @param inline deliver in {@code service()} itself; only retries go through the queue
 * @param schedule delays between attempts
 * @param maxRetries retries after the first attempt before a temporary failure becomes permanent
 * @param bounceProcessor where permanently failed recipients go to be bounced (e.g. with DSNBounce);
 *        empty: the mailet sends its own RFC 3464 DSN
 * @param credentialsRetention how long {@code auth forward} may keep a client's credentials in
 *        memory for a mail that has not been done with
 */
public record DeliverySettings(String outgoingQueue, int deliveryThreads, boolean inline, RetrySchedule schedule,
                               int maxRetries, Optional<String> bounceProcessor, Duration credentialsRetention) {
    public static final String DEFAULT_QUEUE = "remote-forward";
    public static final int DEFAULT_THREADS = 4;
    /** Beyond the schedule itself: time a mail spends in James's spool and queues before and between attempts. */
    private static final Duration RETENTION_MARGIN = Duration.ofHours(1);

    public DeliverySettings {
        Objects.requireNonNull(outgoingQueue, "outgoingQueue");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(bounceProcessor, "bounceProcessor");
        Objects.requireNonNull(credentialsRetention, "credentialsRetention");
    }

    /**
     * How long forwarded credentials must last for a mail to be retried to the end of the schedule
     * and then bounced (the bounce goes out with them too, on a schedule of its own): twice the
     * schedule's span, and an hour.
     */
    public static Duration defaultCredentialsRetention(RetrySchedule schedule, int maxRetries) {
        return schedule.span(maxRetries).multipliedBy(2).plus(RETENTION_MARGIN);
    }
}
