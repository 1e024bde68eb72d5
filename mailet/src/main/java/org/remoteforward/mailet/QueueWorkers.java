package org.remoteforward.mailet;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Takes mails off the outgoing queue, {@code threads} at a time, and delivers each. An item is
 * acknowledged only once its mail is wholly dealt with (delivered, bounced, or back in the queue
 * for a retry); if that fails, the queue gets it back.
 */
final class QueueWorkers implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(QueueWorkers.class);

    private final MailQueue queue;
    private final int threads;
    private final Delivery delivery;
    private Scheduler scheduler;
    private Disposable subscription;

    /** What to do with each dequeued mail. */
    @FunctionalInterface
    interface Delivery {
        void deliver(Mail mail) throws Exception;
    }

    QueueWorkers(MailQueue queue, int threads, Delivery delivery) {
        this.queue = queue;
        this.threads = threads;
        this.delivery = delivery;
    }

    void start() {
        scheduler = Schedulers.newBoundedElastic(threads, Integer.MAX_VALUE, "remote-forward-delivery");
        subscription = Flux.from(queue.deQueue())
            .flatMap(item -> Mono.fromRunnable(() -> handle(item)).subscribeOn(scheduler), threads)
            .subscribe();
    }

    private void handle(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        try {
            delivery.deliver(mail);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (Throwable failure) {
            LOGGER.error("delivering mail {} failed unexpectedly; it goes back to queue {}", mail.getName(), queue.getName().asString(), failure);
            try {
                item.done(MailQueue.MailQueueItem.CompletionStatus.RETRY);
            } catch (Exception e) {
                LOGGER.error("queue {} refused mail {} back", queue.getName().asString(), mail.getName(), e);
            }
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.dispose();
        }
        if (scheduler != null) {
            scheduler.dispose();
        }
    }
}
