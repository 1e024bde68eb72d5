package org.remoteforward.sender;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Enforces timeouts by cutting the connection when a deadline passes. One thread serves every
 * session of a sender: socket read timeouts alone cannot bound a blocked write, a Unix socket
 * channel has no read timeout at all, and the submission timeout spans many reads and writes.
 *
 * <p>What runs on that thread must never block: an expiry only aborts a transport (closes its
 * socket) or sets a flag. Anything that talks to a server (QUIT to an idle session, say) runs
 * elsewhere ({@link Housekeeping}), under a deadline of its own from here; otherwise one silent
 * server would stop every deadline of the sender.
 */
final class Watchdog implements AutoCloseable {
    private final ScheduledThreadPoolExecutor scheduler;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    Watchdog(String threadName) {
        scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            threads.add(thread);
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

    /** As {@link #arm}, or null once the watchdog is closed (a sender shutting down), when the caller must bound the step itself. */
    Deadline armOrNull(Duration limit, Runnable onExpiry) {
        try {
            return arm(limit, onExpiry);
        } catch (RejectedExecutionException closed) {
            return null;
        }
    }

    /** Stops the thread and waits for it: once closed, nothing of the sender runs any more. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            // the executor counts as terminated a moment before its thread has exited: join the thread itself
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                if (thread.isAlive()) {
                    throw new IllegalStateException("the timeout thread did not stop within 10s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
