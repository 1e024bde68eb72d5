package org.remoteforward.sender;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The sender's thread for background work that talks to servers: evicting idle sessions (QUIT)
 * and taking sessions back from clients that went idle. That work may block on a silent server,
 * so it never runs on the {@link Watchdog}'s thread, whose deadlines bound it from there.
 */
final class Housekeeping implements AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;

    Housekeeping(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Runs {@code task} every {@code period} until closed. */
    void every(Duration period, Runnable task) {
        executor.scheduleWithFixedDelay(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} once, {@code delay} from now, unless cancelled or closed first. */
    Future<?> after(Duration delay, Runnable task) {
        return executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops: what is scheduled never runs, and the task running now is waited for. Its I/O is bounded
     * by deadlines (the quit timeout), so this returns within one of them.
     */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(TimeoutKind.QUIT_LIMIT_SECONDS + 5L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the housekeeping thread did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
