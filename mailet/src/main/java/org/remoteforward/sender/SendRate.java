package org.remoteforward.sender;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code maxMessagesPerMinute}: at most that many transactions to each endpoint from this sender
 * (one James node) in any 60 seconds, as cloud relays count them (Exchange Online: 30 a minute
 * a mailbox). Each endpoint keeps the start times of its last transactions, as many as the limit;
 * a new one may start once the oldest of them is a minute old. A sliding window, not a bucket
 * that refills: a bucket would let twice the limit through across a minute's boundary, and the
 * relay would refuse the excess.
 *
 * <p>Time is passed in (the sender's clock). Locking: each endpoint's window is its own monitor,
 * held for a few array operations; nothing waits on it.
 */
final class SendRate {
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int perMinute;
    private final Map<Endpoint, Window> windows = new ConcurrentHashMap<>();

    /** @param perMinute the limit; 0 for none */
    SendRate(int perMinute) {
        this.perMinute = perMinute;
    }

    boolean limited() {
        return perMinute > 0;
    }

    int perMinute() {
        return perMinute;
    }

    /** Takes a slot for a transaction to {@code endpoint} starting at {@code now}; false, taking nothing, when the minute is full. */
    boolean tryTake(Endpoint endpoint, long now) {
        return !limited() || window(endpoint).tryTake(now);
    }

    /** Gives back the slot just taken: the transaction it was for did not start (no session could be had). */
    void giveBack(Endpoint endpoint, long now) {
        if (limited()) {
            window(endpoint).giveBack(now);
        }
    }

    /** How long from {@code now} until {@code endpoint} has a free slot; zero when it has one. */
    Duration untilFree(Endpoint endpoint, long now) {
        return limited() ? Duration.ofNanos(window(endpoint).nanosUntilFree(now)) : Duration.ZERO;
    }

    private Window window(Endpoint endpoint) {
        return windows.computeIfAbsent(endpoint, e -> new Window(perMinute));
    }

    /** The start times of an endpoint's last transactions, a ring: {@code next} is the oldest once it is full. */
    private static final class Window {
        private final long[] starts;
        private int next;
        private int count;

        Window(int size) {
            starts = new long[size];
        }

        synchronized boolean tryTake(long now) {
            if (count == starts.length && now - starts[next] < MINUTE_NANOS) {
                return false;
            }
            starts[next] = now;
            next = (next + 1) % starts.length;
            count = Math.min(count + 1, starts.length);
            return true;
        }

        synchronized void giveBack(long now) {
            if (count == 0) {
                return;
            }
            next = (next - 1 + starts.length) % starts.length;
            // free again: the start time it overwrote was a minute old already, so it counts as one
            starts[next] = now - MINUTE_NANOS;
            if (count < starts.length) {
                count--;
            }
        }

        synchronized long nanosUntilFree(long now) {
            return count < starts.length ? 0 : Math.max(0, starts[next] + MINUTE_NANOS - now);
        }
    }
}
