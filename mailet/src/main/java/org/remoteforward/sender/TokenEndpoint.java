package org.remoteforward.sender;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code oauthTokenEndpoint}: access tokens from an OAuth 2.0 token endpoint, cached and renewed
 * before they expire. A token lives for the reply's {@code expires_in} ({@link
 * #DEFAULT_LIFETIME} when it says nothing) and is renewed once a quarter of its life, at most
 * {@link #MAX_RENEWAL_MARGIN}, is left; while one session renews, the others go on with the token
 * still valid. Only one request is out at a time, and sessions that waited for a request that
 * failed share its failure rather than each asking again, so a hundred sessions starting together,
 * or an endpoint that is down, cost one request, not a hundred.
 *
 * <p>Shared: every sender with the same grant and timeouts (the mailet and the SMTP hooks,
 * several mailets) uses one instance, through {@link #shared}.
 *
 * <p>Locking: {@code fetching} is held for the one request out (bounded by the timeouts); the
 * monitor guards the cached token and the last failure, and is never held across I/O.
 */
public final class TokenEndpoint implements AccessTokens {
    static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
    static final Duration MAX_RENEWAL_MARGIN = Duration.ofMinutes(5);
    private static final Logger LOGGER = LoggerFactory.getLogger(TokenEndpoint.class);
    private static final Map<Key, TokenEndpoint> SHARED = new ConcurrentHashMap<>();

    private record Key(TokenGrant grant, Duration connectTimeout, Duration replyTimeout) {
    }

    /** A token and when (on the nano clock) to renew it and to stop using it. */
    private record Held(AccessToken token, long renewAt, long expiresAt) {
    }

    private final TokenGrant grant;
    private final TokenExchange exchange;
    private final RefreshTokenFile refreshToken;
    private final LongSupplier nanoClock;
    private final Duration waitBound;
    private final ReentrantLock fetching = new ReentrantLock();
    private Held held;
    private long requests;
    private TokenUnavailableException lastFailure;

    TokenEndpoint(TokenGrant grant, Duration connectTimeout, Duration replyTimeout, LongSupplier nanoClock) {
        this.grant = Objects.requireNonNull(grant, "grant");
        this.exchange = new TokenExchange(grant, connectTimeout, replyTimeout);
        this.refreshToken = grant.refreshTokenFile().map(RefreshTokenFile::new).orElse(null);
        this.nanoClock = nanoClock;
        // one request's own bound, and a margin: a session waiting longer than that is waiting for nothing
        this.waitBound = connectTimeout.plus(replyTimeout).plusSeconds(1);
    }

    /** The instance for this grant and these timeouts, made on first use and shared after. */
    public static TokenEndpoint shared(TokenGrant grant, Timeouts timeouts) {
        return SHARED.computeIfAbsent(new Key(grant, timeouts.connect(), timeouts.command()),
            key -> new TokenEndpoint(key.grant(), key.connectTimeout(), key.replyTimeout(), System::nanoTime));
    }

    @Override
    public AccessToken current() throws TokenUnavailableException {
        long now = nanoClock.getAsLong();
        Held stale;
        long requestsSeen;
        synchronized (this) {
            if (held != null && now - held.renewAt() < 0) {
                return held.token();
            }
            stale = held != null && now - held.expiresAt() < 0 ? held : null;
            requestsSeen = requests;
        }
        if (stale != null) {
            if (!fetching.tryLock()) {
                // another session is renewing it; this one is still good
                return stale.token();
            }
        } else if (!lockWithin(waitBound)) {
            throw new TokenUnavailableException("still waiting for the token endpoint " + grant.endpointForMessages()
                + " after " + Durations.describe(waitBound));
        }
        try {
            synchronized (this) {
                now = nanoClock.getAsLong();
                if (held != null && now - held.renewAt() < 0) {
                    return held.token();
                }
                if (requests != requestsSeen && lastFailure != null && stale == null) {
                    // the request this session waited for failed a moment ago: asking again now would fail the same way
                    throw new TokenUnavailableException(lastFailure.getMessage());
                }
            }
            return fetch(stale);
        } finally {
            fetching.unlock();
        }
    }

    @Override
    public synchronized void refused(AccessToken token) {
        if (held != null && held.token().equals(token)) {
            held = null;
        }
    }

    /** Asks the endpoint; called holding {@code fetching}. A failed renewal keeps the stale token while it is valid. */
    private AccessToken fetch(Held stale) throws TokenUnavailableException {
        long asked = nanoClock.getAsLong();
        try {
            TokenExchange.Issued issued = exchange.request(refreshToken == null ? null : refreshToken.current());
            if (refreshToken != null && issued.refreshToken().isPresent()) {
                refreshToken.rotated(issued.refreshToken().get());
            }
            long lifetime = issued.lifetime().orElse(DEFAULT_LIFETIME).toNanos();
            long margin = Math.min(MAX_RENEWAL_MARGIN.toNanos(), lifetime / 4);
            // lifetimes count from when the request went out: the token may have aged while the reply travelled
            Held fresh = new Held(issued.token(), asked + lifetime - margin, asked + lifetime);
            synchronized (this) {
                held = fresh;
                requests++;
                lastFailure = null;
            }
            LOGGER.debug("Got an access token from {} ({} grant), valid for {}", grant.endpointForMessages(), grant.grantType(),
                Durations.describe(Duration.ofNanos(lifetime)));
            return fresh.token();
        } catch (TokenUnavailableException e) {
            synchronized (this) {
                requests++;
                lastFailure = e;
            }
            if (stale != null && nanoClock.getAsLong() - stale.expiresAt() < 0) {
                LOGGER.warn("Could not renew the access token, the current one is used until it expires: {}", e.getMessage());
                return stale.token();
            }
            throw e;
        }
    }

    private boolean lockWithin(Duration bound) throws TokenUnavailableException {
        try {
            return fetching.tryLock(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenUnavailableException("interrupted while waiting for the token endpoint " + grant.endpointForMessages());
        }
    }

    @Override
    public String toString() {
        return exchange.toString();
    }
}
