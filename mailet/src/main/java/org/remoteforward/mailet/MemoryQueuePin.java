package org.remoteforward.mailet;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.queue.api.MailQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps James's memory mail queue open while the mailet uses it. James 3.8.1's WebAdmin route
 * that lists a queue's mails ({@code GET /mailQueues/{name}/mails}, MailQueueRoutes.listMails)
 * takes one reference on the queue and closes it twice, so each listing costs the queue one
 * reference for good; James's memory queue counts references and, when the count reaches 0,
 * stops handing out mails and drops every waiting one. (James's other queues ignore close.)
 *
 * <p>The memory queue offers no way to read its count, so the pin reads it from the queue's
 * {@code references} field and, every second, tops it up to {@value #FLOOR}: an operator would
 * have to list the queue that many times within a second to close it. On {@link #close()} the
 * pin gives back what it added, so that the queue closes as James means it to when its last user
 * lets it go. Where the field is not there (another James version), the pin warns once that
 * listing the queue through WebAdmin will lose its mails.
 */
final class MemoryQueuePin implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(MemoryQueuePin.class);
    static final String MEMORY_QUEUE_CLASS = "org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue";
    static final int FLOOR = 1_000_000;

    private final MailQueue queue;
    private final AtomicInteger references;
    private final ScheduledExecutorService topUps;
    /** References added by the pin and not given back: guarded by this. */
    private long added;
    /** The queue was found closed and it was said, once: guarded by this. */
    private boolean reportedClosed;

    private MemoryQueuePin(MailQueue queue, AtomicInteger references) {
        this.queue = queue;
        this.references = references;
        this.topUps = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "remote-forward-queue-pin");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Pins {@code queue} when it is James's memory queue; empty for any other queue, which WebAdmin cannot close. */
    static Optional<MemoryQueuePin> pin(MailQueue queue) {
        if (!queue.getClass().getName().equals(MEMORY_QUEUE_CLASS)) {
            return Optional.empty();
        }
        Optional<AtomicInteger> references = referencesOf(queue);
        if (references.isEmpty()) {
            LOGGER.warn("queue {}: James's memory queue without the reference count this James version had: listing its mails"
                + " through WebAdmin (GET /mailQueues/{}/mails) may close it and drop the mails waiting in it", queue.getName().asString(),
                queue.getName().asString());
            return Optional.empty();
        }
        MemoryQueuePin pin = new MemoryQueuePin(queue, references.get());
        pin.topUp();
        pin.topUps.scheduleWithFixedDelay(pin::topUp, 1, 1, TimeUnit.SECONDS);
        return Optional.of(pin);
    }

    private static Optional<AtomicInteger> referencesOf(MailQueue queue) {
        try {
            Field field = queue.getClass().getDeclaredField("references");
            field.setAccessible(true);
            return field.get(queue) instanceof AtomicInteger count ? Optional.of(count) : Optional.empty();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Raises the count to {@link #FLOOR} when listings have taken it below. */
    synchronized void topUp() {
        int now = references.get();
        if (now > 0 && now < FLOOR) {
            int missing = FLOOR - now;
            references.addAndGet(missing);
            added += missing;
        } else if (now <= 0 && !reportedClosed) {
            reportedClosed = true;
            LOGGER.error("queue {} was closed under the mailet (its reference count is {}): mails in it are lost", queue.getName().asString(),
                now);
        }
    }

    /** Gives back what the pin added; the queue's own users close it from there. */
    @Override
    public synchronized void close() {
        topUps.shutdownNow();
        references.addAndGet((int) -Math.min(added, references.get() - 1L));
        added = 0;
    }
}
