package org.remoteforward.mailet;

import java.time.Duration;
import java.util.List;
import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.mailet.Mail;

/**
 * Puts a mail back in the outgoing queue for an attempt no earlier than a delay from now. Two
 * ways: the queue's own delayed enqueue ({@link QueueDelays}), or, for a queue that ignores delays
 * (James 3.8.1's RabbitMQ queue), {@link WaitQueues}. Which one a queue gets is its caller's
 * choice ({@link QueuedForwarding}).
 */
interface DelayedRetries extends AutoCloseable {
    /** Hands the mail, as it stands, to the outgoing queue after {@code delay}; the caller may dispose of its mail afterwards. */
    void enqueue(Mail mail, Duration delay) throws MessagingException;

    /** The queues mails wait in besides the outgoing one (wait queues); none when the outgoing queue holds them itself. */
    List<MailQueue> waitingQueues();

    /** Stops what releases waiting mails on this node; what waits stays queued. */
    @Override
    void close();
}
