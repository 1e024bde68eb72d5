package org.remoteforward.sender;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.LongSupplier;

/**
 * Keeps healthy sessions open between messages, per endpoint and per authenticated identity,
 * with clear rules for letting one go: a session that saw any error, a 421 or a timeout is never
 * returned here; an idle one is closed after {@code idleTimeout}; none is reused past
 * {@code maxAge} or {@code maxMessages}; and a reused one that may still hold a transaction must
 * answer RSET first ({@link SmtpSession#readyForReuse}).
 * With reuse off, every message gets its own session and QUIT.
 *
 * <p>Time comes from one clock given at construction ({@link System#nanoTime} in production), and
 * each decision takes the time as an argument, so tests move time instead of sleeping.
 *
 * <p>Eviction runs on the sender's {@link Housekeeping} thread, never the watchdog's: its QUIT may
 * meet a server that never answers, and is bounded by a deadline from the watchdog.
 *
 * <p>Locking: there is none of our own. Idle sessions live in concurrent deques; a session is
 * owned by whoever removed it from its deque ({@code pollLast} in {@link #takeIdle}, {@code remove}
 * in the sweep, {@code pollFirst} in {@link #close}), and only that one thread touches it, so a
 * session is never used by two threads at once. The deque's hand-over publishes the session's
 * state from the thread that released it to the one that takes it.
 */
final class SessionPool implements AutoCloseable {
    private final ConnectionSettings settings;
    private final SessionOpener opener;
    private final LongSupplier nanoClock;
    /** Idle sessions, newest last, by endpoint then identity. */
    private final Map<Endpoint, Map<String, Deque<SmtpSession>>> idle = new ConcurrentHashMap<>();
    private final Watchdog watchdog;
    private volatile boolean closed;

    /**
     * @param housekeeping where idle sessions are swept: QUIT may block on a silent server, so never on the watchdog's thread
     */
    SessionPool(ConnectionSettings settings, SessionOpener opener, Watchdog watchdog, Housekeeping housekeeping, LongSupplier nanoClock) {
        this.settings = settings;
        this.opener = opener;
        this.watchdog = watchdog;
        this.nanoClock = nanoClock;
        if (settings.reuse()) {
            long period = Math.max(1000, settings.idleTimeout().toMillis() / 2);
            housekeeping.every(Duration.ofMillis(period), () -> evictExpired(nanoClock.getAsLong()));
        }
    }

    /**
     * A session ready for a transaction as {@code identity} (the AUTH identity, empty without
     * AUTH), to the first endpoint in order that can give one at once: an idle session of it, else
     * a new one. Targets are an order, not a preference that decays: an idle session to a later
     * endpoint is used only when every endpoint before it is backing off, has all its sessions in
     * use or cannot be connected to now, so once the first endpoint's back-off has passed, new
     * messages go to it again. An endpoint at its {@code maxMessagesPerMinute} cannot be used now;
     * the session given takes one of its endpoint's slots. When none can, {@link SessionOpener#open} waits for one.
     */
    SmtpSession acquire(String identity) throws NoEndpointAvailableException {
        return acquire(identity, true, Set.of());
    }

    /**
     * As {@link #acquire(String)}, waiting for a busy endpoint's session only if {@code mayWait}:
     * false for a transaction its client paces (synchronous mode), which runs on one of James's SMTP
     * threads; each serves many connections, so a wait there would stall every client on it,
     * greetings included. With every session busy it then fails at once. The endpoints in {@code
     * passOver} (tried already in this attempt, {@code failover temporary}) are not used at all.
     */
    SmtpSession acquire(String identity, boolean mayWait, Set<Endpoint> passOver) throws NoEndpointAvailableException {
        if (closed) {
            throw new NoEndpointAvailableException("the sender is shut down");
        }
        Map<Endpoint, String> failed = new LinkedHashMap<>();
        if (settings.reuse()) {
            long now = nanoClock.getAsLong();
            for (Endpoint endpoint : opener.order()) {
                if (passOver.contains(endpoint)) {
                    continue;
                }
                if (!opener.takeSlot(endpoint)) {
                    // at its maxMessagesPerMinute: passed over as one that cannot be used now
                    failed.put(endpoint, opener.overRate(endpoint));
                    continue;
                }
                Optional<SmtpSession> idleOne = takeIdle(endpoint, identity, now);
                if (idleOne.isPresent()) {
                    return idleOne.get();
                }
                if (!opener.backingOff(endpoint)) {
                    // a new session to it before an idle one to a later endpoint; all in use or failing: the later ones serve
                    SessionOpener.Attempt fresh = opener.openNow(endpoint);
                    if (fresh.session().isPresent()) {
                        return fresh.session().get();
                    }
                    fresh.failure().ifPresent(why -> failed.put(endpoint, why));
                }
                opener.giveBackSlot(endpoint);
            }
        }
        return opener.open(failed, passOver, mayWait);
    }

    /**
     * The session {@link #acquire} would give now, only if it is an idle one: it never connects
     * and never waits for a session, so a caller that must not be held up (James's spool thread,
     * {@code inline idle}) learns at once whether it can send. Empty when the endpoint {@code
     * acquire} would take a new session to has none idle: an idle one to a later endpoint is not
     * taken in its place, so that targets stay an order.
     */
    Optional<SmtpSession> acquireIdle(String identity) {
        if (closed || !settings.reuse()) {
            return Optional.empty();
        }
        long now = nanoClock.getAsLong();
        for (Endpoint endpoint : opener.order()) {
            if (!opener.takeSlot(endpoint)) {
                // at its rate limit: the queue's worker, which may use a later endpoint or wait its turn, takes the mail
                return Optional.empty();
            }
            Optional<SmtpSession> idleOne = takeIdle(endpoint, identity, now);
            if (idleOne.isEmpty()) {
                opener.giveBackSlot(endpoint);
            }
            if (idleOne.isPresent() || !opener.backingOff(endpoint)) {
                return idleOne;
            }
        }
        return Optional.empty();
    }

    /** The newest idle session of {@code endpoint} as {@code identity} that is within its limits and answers RSET where it must; expired or failing ones are ended. */
    private Optional<SmtpSession> takeIdle(Endpoint endpoint, String identity, long now) {
        Deque<SmtpSession> sessions = idleOf(endpoint, identity);
        for (SmtpSession session = sessions.pollLast(); session != null; session = sessions.pollLast()) {
            if (expired(session, now)) {
                session.finish();
            } else if (session.readyForReuse()) {
                return Optional.of(session);
            } else {
                session.close();
            }
        }
        return Optional.empty();
    }

    /** Gives back the rate slot a session took for a transaction it never carried (it proved stale before any answer). */
    void giveBackSlot(SmtpSession session) {
        opener.giveBackSlot(session.endpoint());
    }

    /** What the session's endpoint answered AUTH, for health ({@link SessionOpener#authAnswered}). */
    void authAnswered(SmtpSession session, Optional<String> unusableBecause) {
        opener.authAnswered(session.endpoint(), unusableBecause);
    }

    /**
     * Takes a session back after a transaction: kept when sound and within its limits, else ended.
     * A session kept here is filed under the identity it authenticated as: one whose AUTH was
     * refused must not come back (the transaction retires it), or it would hold a
     * {@code maxConnections} permit under an identity no caller asks for.
     */
    void release(SmtpSession session) {
        long now = nanoClock.getAsLong();
        if (session.usable()) {
            session.transactionDone(now);
        }
        if (closed || !settings.reuse() || !session.usable() || session.transactions() >= settings.maxMessages()
            || session.ageNanos(now) >= settings.maxAge().toNanos()) {
            session.finish();
            return;
        }
        String identity = session.authenticatedAs() == null ? "" : session.authenticatedAs();
        idleOf(session.endpoint(), identity).addLast(session);
        if (closed && idleOf(session.endpoint(), identity).remove(session)) {
            // closed while it was being parked: close() may have drained the deque already
            session.finish();
        }
    }

    private Deque<SmtpSession> idleOf(Endpoint endpoint, String identity) {
        return idle.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>()).computeIfAbsent(identity, i -> new ConcurrentLinkedDeque<>());
    }

    private boolean expired(SmtpSession session, long now) {
        return !session.usable() || session.idleNanos(now) >= settings.idleTimeout().toNanos()
            || session.ageNanos(now) >= settings.maxAge().toNanos();
    }

    /** Closes the idle sessions past their time at {@code now}, so an idle relay holds no connections. */
    void evictExpired(long now) {
        List<SmtpSession> expired = new ArrayList<>();
        for (Map<String, Deque<SmtpSession>> byIdentity : idle.values()) {
            for (Deque<SmtpSession> sessions : byIdentity.values()) {
                for (SmtpSession session : List.copyOf(sessions)) {
                    if (expired(session, now) && sessions.remove(session)) {
                        expired.add(session);
                    }
                }
            }
        }
        SmtpSession.finishAll(expired, watchdog);
    }

    /** How many sessions wait idle, over every endpoint and identity. */
    int idleCount() {
        return idle.values().stream().flatMap(byIdentity -> byIdentity.values().stream()).mapToInt(Deque::size).sum();
    }

    /** QUITs every idle session, all within one quit timeout; a session released later is ended, not kept. */
    @Override
    public void close() {
        closed = true;
        List<SmtpSession> all = new ArrayList<>();
        for (Map<String, Deque<SmtpSession>> byIdentity : idle.values()) {
            for (Deque<SmtpSession> sessions : byIdentity.values()) {
                for (SmtpSession session = sessions.pollFirst(); session != null; session = sessions.pollFirst()) {
                    all.add(session);
                }
            }
        }
        SmtpSession.finishAll(all, watchdog);
    }
}
