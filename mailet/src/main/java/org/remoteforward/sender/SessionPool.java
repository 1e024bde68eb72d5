package org.remoteforward.sender;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Keeps healthy sessions open between messages, per endpoint and per authenticated identity,
 * with clear rules for letting one go: a session that saw any error, a 421 or a timeout is never
 * returned here; an idle one is closed after {@code idleTimeout}; none is reused past
 * {@code maxAge} or {@code maxMessages}; and a reused one must answer RSET first.
 * With reuse off, every message gets its own session and QUIT.
 */
final class SessionPool implements AutoCloseable {
    private final ConnectionSettings settings;
    private final SessionOpener opener;
    /** Idle sessions, newest last, by endpoint then identity. */
    private final Map<Endpoint, Map<String, Deque<SmtpSession>>> idle = new ConcurrentHashMap<>();

    SessionPool(ConnectionSettings settings, SessionOpener opener, Watchdog watchdog) {
        this.settings = settings;
        this.opener = opener;
        if (settings.reuse()) {
            long period = Math.max(1000, settings.idleTimeout().toMillis() / 2);
            watchdog.every(Duration.ofMillis(period), this::evictExpired);
        }
    }

    /**
     * A session ready for a transaction as {@code identity} (the AUTH identity, empty without
     * AUTH): an idle one of the first endpoint in order that has one, else a new one.
     */
    SmtpSession acquire(String identity) throws NoEndpointAvailableException {
        if (settings.reuse()) {
            for (Endpoint endpoint : opener.order()) {
                Deque<SmtpSession> sessions = idleOf(endpoint, identity);
                for (SmtpSession session = sessions.pollLast(); session != null; session = sessions.pollLast()) {
                    if (expired(session)) {
                        session.finish();
                    } else if (session.reset()) {
                        return session;
                    } else {
                        session.close();
                    }
                }
            }
        }
        return opener.open();
    }

    /** Takes a session back after a transaction: kept when sound and within its limits, else ended. */
    void release(SmtpSession session) {
        if (session.usable()) {
            session.transactionDone();
        }
        if (!settings.reuse() || !session.usable() || session.transactions() >= settings.maxMessages()
            || session.ageNanos() >= settings.maxAge().toNanos()) {
            session.finish();
            return;
        }
        String identity = session.authenticatedAs() == null ? "" : session.authenticatedAs();
        idleOf(session.endpoint(), identity).addLast(session);
    }

    private Deque<SmtpSession> idleOf(Endpoint endpoint, String identity) {
        return idle.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>()).computeIfAbsent(identity, i -> new ConcurrentLinkedDeque<>());
    }

    private boolean expired(SmtpSession session) {
        return !session.usable() || session.idleNanos() >= settings.idleTimeout().toNanos()
            || session.ageNanos() >= settings.maxAge().toNanos();
    }

    /** Closes idle sessions past their time, so an idle relay holds no connections. */
    private void evictExpired() {
        for (Map<String, Deque<SmtpSession>> byIdentity : idle.values()) {
            for (Deque<SmtpSession> sessions : byIdentity.values()) {
                for (SmtpSession session : List.copyOf(sessions)) {
                    if (expired(session) && sessions.remove(session)) {
                        session.finish();
                    }
                }
            }
        }
    }

    /** QUITs every idle session. */
    @Override
    public void close() {
        List<SmtpSession> all = new ArrayList<>();
        for (Map<String, Deque<SmtpSession>> byIdentity : idle.values()) {
            for (Deque<SmtpSession> sessions : byIdentity.values()) {
                for (SmtpSession session = sessions.pollFirst(); session != null; session = sessions.pollFirst()) {
                    all.add(session);
                }
            }
        }
        all.forEach(SmtpSession::finish);
    }
}
