package org.remoteforward.mailet;

import java.time.Duration;
import java.util.List;
import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.mailet.Mail;

/** Retry delays kept by the outgoing queue itself, as James's memory queue keeps them. */
final class QueueDelays implements DelayedRetries {
    private final MailQueue outgoing;

    QueueDelays(MailQueue outgoing) {
        this.outgoing = outgoing;
    }

    @Override
    public void enqueue(Mail mail, Duration delay) throws MessagingException {
        outgoing.enQueue(mail, delay);
    }

    @Override
    public List<MailQueue> waitingQueues() {
        return List.of();
    }

    @Override
    public void close() {
        // nothing of its own runs
    }
}
