package org.remoteforward.sender;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The transactions whose clients pace them (synchronous forwarding) while they hold a session:
 * a client that says nothing for longer than its limit loses the session to others, so that idle
 * clients cannot hold every one of {@code maxConnections}. Checked a few times a second on the
 * {@link Housekeeping} thread; a transaction in the middle of a step is never taken from.
 */
final class IdleClients {
    private static final Duration CHECK_EVERY = Duration.ofMillis(250);

    /**
     * What the check calls for each watched holder: give the session back if its client has been
     * silent past its limit at {@code nowNanos} ({@link System#nanoTime}). Must never wait.
     */
    @FunctionalInterface
    interface Holder {
        void takeBackIfIdle(long nowNanos);
    }

    private final Housekeeping housekeeping;
    private final Set<Holder> holding = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean checking = new AtomicBoolean();

    IdleClients(Housekeeping housekeeping) {
        this.housekeeping = housekeeping;
    }

    /** {@code holder} holds a session from now on. */
    void watch(Holder holder) {
        if (checking.compareAndSet(false, true)) {
            // a sender that never forwards synchronously never checks
            housekeeping.every(CHECK_EVERY, this::check);
        }
        holding.add(holder);
    }

    /** {@code holder} holds no session any more. */
    void forget(Holder holder) {
        holding.remove(holder);
    }

    private void check() {
        long now = System.nanoTime();
        holding.forEach(holder -> holder.takeBackIfIdle(now));
    }
}
