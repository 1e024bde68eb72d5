package org.remoteforward.sender;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Enforces timeouts by cutting the connection when a deadline passes. One thread serves every
 * session of a sender: socket read timeouts alone cannot bound a blocked write, a Unix socket
 * channel has no read timeout at all, and the submission timeout spans many reads and writes.
 */
final class Watchdog implements AutoCloseable {
    private final ScheduledThreadPoolExecutor scheduler;

    Watchdog(String threadName) {
        scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
    }

    /** Starts a deadline: when it passes before {@link Deadline#close()}, {@code onExpiry} runs. */
    Deadline arm(Duration limit, Runnable onExpiry) {
        Deadline deadline = new Deadline();
        deadline.future = scheduler.schedule(() -> {
            deadline.expired.set(true);
            onExpiry.run();
        }, limit.toNanos(), TimeUnit.NANOSECONDS);
        return deadline;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** One armed deadline. */
    static final class Deadline implements AutoCloseable {
        private final AtomicBoolean expired = new AtomicBoolean();
        private volatile ScheduledFuture<?> future;

        boolean expired() {
            return expired.get();
        }

        @Override
        public void close() {
            future.cancel(false);
        }
    }
}
