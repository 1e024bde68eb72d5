package org.remoteforward.mailet;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.Mail;
import org.remoteforward.config.DeliverySettings;

/**
 * Puts a mail back in the outgoing queue for an attempt no earlier than a delay from now. Two
 * ways: the queue's own delayed enqueue ({@link QueueDelays}), or, for a queue that ignores delays
 * (James 3.8.1's RabbitMQ queue), {@link WaitQueues}.
 */
interface DelayedRetries extends AutoCloseable {
    /**
     * James's queues known to hold a delayed mail back until it is due, by class: with {@code
     * retryDelays auto} any other queue gets wait queues, which hold on every queue. Only the
     * memory queue: RabbitMQ's ignores delays, and the JMS/ActiveMQ queue picks due mails with a
     * selector fixed when it starts waiting up to 10 seconds for one, so a delayed mail comes up
     * to 10 s late (3 s retries tried after 10 s, measured). Known by name, so that the mailet
     * needs none of their jars.
     */
    Set<String> QUEUES_THAT_DELAY = Set.of("org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue");

    /** The way {@code settings} ask for on the {@code outgoing} queue, started. */
    static DelayedRetries start(DeliverySettings settings, MailQueueFactory<?> queues, MailQueue outgoing, Clock clock) {
        boolean queueDelays = switch (settings.retryDelays()) {
            case QUEUE -> true;
            case WAIT_QUEUES -> false;
            case AUTO -> QUEUES_THAT_DELAY.contains(outgoing.getClass().getName());
        };
        return queueDelays ? new QueueDelays(outgoing)
            : WaitQueues.start(queues, outgoing, settings.schedule(), settings.retryHoldLimit(), clock);
    }

    /** Hands the mail, as it stands, to the outgoing queue after {@code delay}; the caller may dispose of its mail afterwards. */
    void enqueue(Mail mail, Duration delay) throws MessagingException;

    /** The queues mails wait in besides the outgoing one (wait queues); none when the outgoing queue holds them itself. */
    List<MailQueue> waitingQueues();

    /** Stops what releases waiting mails on this node; what waits stays queued. */
    @Override
    void close();
}
