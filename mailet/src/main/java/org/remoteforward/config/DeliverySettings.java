package org.remoteforward.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How the mailet hands mail to its sender and what it does when delivery fails.
 *
 * @param outgoingQueue the James mail queue mails wait in for delivery and retries
 * @param deliveryThreads how many deliveries run at once from that queue
 * @param inline when {@code service()} makes the first attempt itself rather than queue the mail
 * @param inlineThreads with {@code inline}: at most how many of James's spool threads attempt at
 *        once (more are queued); empty: the mailet's default, which depends on James's spooler
 * @param schedule delays between attempts
 * @param maxRetries retries after the first attempt before a temporary failure becomes permanent
 * @param bounceProcessor where permanently failed recipients go to be bounced (e.g. with DSNBounce);
 *        empty: the mailet sends its own RFC 3464 DSN
 * @param credentialsRetention how long {@code auth forward} may keep a client's credentials in
 *        memory for a mail that has not been done with
 * @param credentialsKeyFile with {@code auth forward}: the file holding the key that seals clients'
 *        credentials into their mails, so that any node with the key can use them; empty: memory only
 * @param retryDelays how a mail is made to wait for its next attempt
 * @param retryHoldLimit with wait queues: the longest a node holds one waiting mail unacknowledged
 * @param healthQueueAge how long a mail may wait in the queue before James's health check calls the forwarding degraded
 */
public record DeliverySettings(String outgoingQueue, int deliveryThreads, Inline inline, OptionalInt inlineThreads, RetrySchedule schedule,
                               int maxRetries, Optional<String> bounceProcessor, Duration credentialsRetention,
                               Optional<Path> credentialsKeyFile, RetryDelays retryDelays, Duration retryHoldLimit,
                               Duration healthQueueAge) {
    public static final String DEFAULT_QUEUE = "remote-forward";
    public static final int DEFAULT_THREADS = 4;
    /** Well inside RabbitMQ's consumer_timeout (30 minutes by default), past which the broker takes a held message back. */
    public static final Duration DEFAULT_RETRY_HOLD_LIMIT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_HEALTH_QUEUE_AGE = Duration.ofHours(1);

    /** When {@code service()} attempts a mail itself: the {@code inline} parameter. */
    public enum Inline {
        /** Never: every mail goes through the outgoing queue. */
        NO("no"),
        /** Always, within {@code inlineThreads} when that is given. */
        YES("yes"),
        /**
         * Only when a session to the first endpoint that would be used waits idle, so that the spool
         * thread neither waits for a session nor connects for the mail's first one, and within
         * {@code inlineThreads}.
         */
        IDLE("idle");

        /**
         * {@code idle}: in the benchmark it matched the queue's rate on James's memory queue with
         * half its p99 latency, and reached 1.5 times it on RabbitMQ, where the queue costs a
         * second crossing of the broker (docs/benchmark); its bound keeps a stalled downstream
         * from taking James's spool.
         */
        public static final Inline DEFAULT = IDLE;

        private final String written;

        Inline(String written) {
            this.written = written;
        }

        /** As written in the {@code inline} parameter. */
        public String written() {
            return written;
        }
    }

    /** How a mail waits for its next attempt. */
    public enum RetryDelays {
        /** The queue's own delays where the queue is known to honour them, wait queues otherwise. */
        AUTO("auto"),
        /** The outgoing queue's own delayed enqueue. */
        QUEUE("queue"),
        /** Wait queues beside the outgoing queue, released by every node (for queues that ignore delays, as RabbitMQ's). */
        WAIT_QUEUES("wait-queues");

        private final String written;

        RetryDelays(String written) {
            this.written = written;
        }

        /** As written in the {@code retryDelays} parameter. */
        public String written() {
            return written;
        }
    }
    /** Beyond the schedule itself: time a mail spends in James's spool and queues before and between attempts. */
    private static final Duration RETENTION_MARGIN = Duration.ofHours(1);

    public DeliverySettings {
        Objects.requireNonNull(outgoingQueue, "outgoingQueue");
        Objects.requireNonNull(inline, "inline");
        Objects.requireNonNull(inlineThreads, "inlineThreads");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(bounceProcessor, "bounceProcessor");
        Objects.requireNonNull(credentialsRetention, "credentialsRetention");
        Objects.requireNonNull(credentialsKeyFile, "credentialsKeyFile");
        Objects.requireNonNull(retryDelays, "retryDelays");
        Objects.requireNonNull(retryHoldLimit, "retryHoldLimit");
        Objects.requireNonNull(healthQueueAge, "healthQueueAge");
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
