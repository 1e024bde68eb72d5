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
    private volatile boolean closed;

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

    /**
     * A deadline its owner re-arms for step after step (a session's commands), cheaper than
     * {@link #arm} per step: arming only records when the step is due, and one check is scheduled
     * at a time, which on finding the deadline moved on schedules itself for the new one. Steps of
     * equal or longer timeouts, the common case, thus schedule nothing; a timer scheduled and
     * cancelled per command was a tenth of the sender's time.
     */
    Slot slot() {
        return new Slot();
    }

    /** Stops the thread and waits for it: once closed, nothing of the sender runs any more. */
    @Override
    public void close() {
        closed = true;
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

    /**
     * One re-armable deadline, used by one step at a time. Locking: every field is guarded by the
     * slot's monitor; the expiry action runs under it too, so a step that ends ({@link #disarm})
     * either happens before the check (which then finds nothing due) or after the expiry (and
     * sees {@link #expired}). The action only aborts a transport, which never blocks.
     */
    final class Slot {
        private static final long IDLE = Long.MAX_VALUE;
        private long dueNanos = IDLE;
        private Runnable onExpiry;
        private boolean expired;
        /** When the pending check runs; IDLE when none is pending. */
        private long checkNanos = IDLE;
        private ScheduledFuture<?> check;

        /**
         * Starts the deadline of one step: when {@code limit} passes before {@link #disarm},
         * {@code onExpiry} runs. False once the watchdog is closed (a sender shutting down), when
         * the caller must not start the step.
         */
        synchronized boolean arm(Duration limit, Runnable onExpiry) {
            if (closed) {
                return false;
            }
            long now = System.nanoTime();
            this.dueNanos = now + limit.toNanos();
            this.onExpiry = onExpiry;
            this.expired = false;
            if (dueNanos - checkNanos < 0 || checkNanos == IDLE) {
                return schedule(now);
            }
            return true;
        }

        /** The step is over: its deadline no longer applies. */
        synchronized void disarm() {
            dueNanos = IDLE;
            onExpiry = null;
        }

        /** Whether the current (or last) step's deadline passed before it ended. */
        synchronized boolean expired() {
            return expired;
        }

        private boolean schedule(long now) {
            if (check != null) {
                check.cancel(false);
            }
            try {
                long at = dueNanos;
                check = scheduler.schedule(() -> check(at), Math.max(0, at - now), TimeUnit.NANOSECONDS);
                checkNanos = at;
                return true;
            } catch (RejectedExecutionException shutDown) {
                check = null;
                checkNanos = IDLE;
                return false;
            }
        }

        private synchronized void check(long scheduledFor) {
            if (scheduledFor != checkNanos) {
                // superseded by a check for an earlier deadline
                return;
            }
            check = null;
            checkNanos = IDLE;
            if (dueNanos == IDLE) {
                return;
            }
            long now = System.nanoTime();
            if (now - dueNanos >= 0) {
                expired = true;
                Runnable action = onExpiry;
                dueNanos = IDLE;
                onExpiry = null;
                action.run();
            } else {
                schedule(now);
            }
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
