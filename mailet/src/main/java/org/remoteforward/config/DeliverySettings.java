package org.remoteforward.config;

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
 */
public record DeliverySettings(String outgoingQueue, int deliveryThreads, boolean inline, RetrySchedule schedule,
                               int maxRetries, Optional<String> bounceProcessor) {
    public static final String DEFAULT_QUEUE = "remote-forward";
    public static final int DEFAULT_THREADS = 4;

    public DeliverySettings {
        Objects.requireNonNull(outgoingQueue, "outgoingQueue");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(bounceProcessor, "bounceProcessor");
    }
}
