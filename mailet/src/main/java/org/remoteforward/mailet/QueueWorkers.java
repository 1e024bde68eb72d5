package org.remoteforward.mailet;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.util.MDCBuilder;
import org.apache.mailet.Mail;
import org.remoteforward.sender.PrintableText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Takes mails off a queue, {@code threads} at a time, and hands each to what deals with it. An
 * item is acknowledged only once its mail is wholly dealt with (delivered, bounced, or queued
 * again); should that throw, the item goes back to the queue as it was enqueued (RETRY), so what
 * deals with mails must itself put back a mail it changed. Should the queue fail to hand over the
 * next mail (a broker that hiccups), the workers ask again after a pause rather than stop.
 */
final class QueueWorkers implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(QueueWorkers.class);
    private static final Duration PAUSE_AFTER_QUEUE_FAILURE = Duration.ofSeconds(1);

    private final MailQueue queue;
    private final int threads;
    private final String threadName;
    private final HeldWork delivery;
    private Scheduler scheduler;
    private Scheduler dequeuer;
    private Disposable subscription;
    private volatile boolean closing;
    /** Mails being dealt with now; guarded by this. */
    private int handling;

    /** What to do with each dequeued mail. */
    @FunctionalInterface
    interface Delivery {
        void deliver(Mail mail) throws Exception;
    }

    /**
     * What to do with each dequeued mail, for work that holds it a while: given the item too, it
     * may ask whether the queue still counts the item as this node's ({@link HeldDelivery}), and
     * throw {@link HeldDelivery.LostException} when not, leaving the item to the broker, which
     * hands it out again.
     */
    @FunctionalInterface
    interface HeldWork {
        void deliver(Mail mail, MailQueue.MailQueueItem item) throws Exception;
    }

    /** @param threadName what the workers' threads are called, and the dequeuing one with "-dequeue" */
    QueueWorkers(MailQueue queue, int threads, String threadName, Delivery delivery) {
        this(queue, threads, threadName, (HeldWork) (mail, item) -> delivery.deliver(mail));
    }

    QueueWorkers(MailQueue queue, int threads, String threadName, HeldWork delivery) {
        this.queue = queue;
        this.threads = threads;
        this.threadName = threadName;
        this.delivery = delivery;
    }

    void start() {
        scheduler = Schedulers.newBoundedElastic(threads, Integer.MAX_VALUE, threadName);
        // Some queues block the thread that asks for the next item (the JMS/ActiveMQ queue waits in
        // receive()); asked from init(), that would hold James's start-up forever.
        dequeuer = Schedulers.newSingle(threadName + "-dequeue");
        subscription = Flux.defer(queue::deQueue)
            .subscribeOn(dequeuer)
            .doOnError(this::reportQueueFailure)
            .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, PAUSE_AFTER_QUEUE_FAILURE).filter(failure -> !closing))
            .flatMap(item -> Mono.fromRunnable(() -> handle(item)).subscribeOn(scheduler), threads)
            .subscribe(item -> { }, this::reportQueueFailure);
    }

    private void reportQueueFailure(Throwable failure) {
        // closing interrupts a queue that waits for the next mail: that is no failure
        if (!closing) {
            LOGGER.error("queue {} failed to hand over the next mail; asking again in {}", queue.getName().asString(),
                PAUSE_AFTER_QUEUE_FAILURE, failure);
        }
    }

    private void handle(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        // James's MDC, as its spool and RemoteDelivery's workers set it: a mail can be followed by its name from one to the other
        try (Closeable context = MDCBuilder.create()
                .addToContext("mail", mail.getName())
                .addToContext("sender", PrintableText.address(mail.getMaybeSender().asString()))
                .addToContext("recipients", PrintableText.addresses(mail.getRecipients()))
                .build()) {
            handleWithin(item, mail);
        } catch (IOException e) {
            LOGGER.debug("could not clear the logging context of mail {}", mail.getName(), e);
        }
    }

    private void handleWithin(MailQueue.MailQueueItem item, Mail mail) {
        synchronized (this) {
            handling++;
        }
        try {
            delivery.deliver(mail, item);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (HeldDelivery.LostException lost) {
            // acknowledging or handing back is void now: the broker has the item again, and another take of it follows
            LOGGER.warn("mail {}: {}; queue {} hands it out again, so it is left to that", mail.getName(), lost.getMessage(),
                queue.getName().asString());
        } catch (Throwable failure) {
            boolean stopping = closing && failure instanceof InterruptedException;
            if (stopping) {
                // a wait-queue releaser holding a mail when James stops: the mail waits on in its queue
                LOGGER.info("stopping: mail {} goes back to queue {}", mail.getName(), queue.getName().asString());
            } else {
                LOGGER.error("mail {} could not be dealt with; it goes back to queue {}", mail.getName(), queue.getName().asString(), failure);
            }
            try {
                item.done(MailQueue.MailQueueItem.CompletionStatus.RETRY);
            } catch (Exception e) {
                if (stopping) {
                    // the broker takes back what a closed consumer did not acknowledge
                    LOGGER.debug("queue {} closed before mail {} was handed back", queue.getName().asString(), mail.getName(), e);
                } else {
                    LOGGER.error("queue {} refused mail {} back", queue.getName().asString(), mail.getName(), e);
                }
            }
        } finally {
            LifecycleUtil.dispose(mail);
            synchronized (this) {
                handling--;
                notifyAll();
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * Stops, and waits up to {@code handedBack} for the mails being dealt with to be done with or
     * handed back: what is only waiting (a wait-queue releaser) hands its mail back at once when
     * interrupted, and a queue that acknowledges in memory must have it back before James goes on.
     */
    void close(Duration handedBack) {
        closing = true;
        if (subscription != null) {
            subscription.dispose();
        }
        if (dequeuer != null) {
            dequeuer.dispose();
        }
        if (scheduler != null) {
            scheduler.dispose();
        }
        long deadline = System.nanoTime() + handedBack.toNanos();
        synchronized (this) {
            try {
                while (handling > 0 && System.nanoTime() < deadline) {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
