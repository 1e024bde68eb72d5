package org.remoteforward.sender;

import java.time.Duration;
import java.util.Objects;

/**
 * How the sender uses its connections: reuse (a bounded pool per endpoint), PIPELINING and
 * CHUNKING where servers offer them, and how long an endpoint that just failed is passed over.
 *
 * @param reuse keep healthy sessions open for the next message
 * @param maxPerEndpoint sessions open at once to one endpoint, busy and idle together
 * @param idleTimeout an idle session older than this is closed
 * @param maxAge a session is not reused once this old
 * @param maxMessages a session is not reused after this many messages
 * @param endpointBackoff an endpoint that failed is tried after the others for this long; zero: never
 * @param pipelining send MAIL, RCPT and DATA in one write where PIPELINING is advertised
 * @param chunking send the body with BDAT where CHUNKING is advertised
 * @param waitTimeout how long a transaction waits for a session when {@code maxPerEndpoint} are in use, all endpoints together
 */
public record ConnectionSettings(boolean reuse, int maxPerEndpoint, Duration idleTimeout, Duration maxAge, int maxMessages,
                                 Duration endpointBackoff, boolean pipelining, boolean chunking, Duration waitTimeout) {
    private static final Duration DEFAULTS_WAIT = Duration.ofMinutes(5);
    /** For a busy relay: reuse, 10 sessions an endpoint, 30s idle, 5 minutes or 100 messages a session; wait up to 5 minutes for one. */
    public static final ConnectionSettings DEFAULTS = new ConnectionSettings(true, 10, Duration.ofSeconds(30),
        Duration.ofMinutes(5), 100, Duration.ofSeconds(30), true, true, DEFAULTS_WAIT);
    /** One connection per message and one command at a time, as maddy and RemoteDelivery do. */
    public static final ConnectionSettings ONE_PER_MESSAGE = new ConnectionSettings(false, 10, Duration.ofSeconds(30),
        Duration.ofMinutes(5), 1, Duration.ZERO, false, false, DEFAULTS_WAIT);

    /** As the canonical constructor, with the default wait for a session (5 minutes, the default connect timeout). */
    public ConnectionSettings(boolean reuse, int maxPerEndpoint, Duration idleTimeout, Duration maxAge, int maxMessages,
                              Duration endpointBackoff, boolean pipelining, boolean chunking) {
        this(reuse, maxPerEndpoint, idleTimeout, maxAge, maxMessages, endpointBackoff, pipelining, chunking, DEFAULTS_WAIT);
    }

    public ConnectionSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(waitTimeout, "waitTimeout");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(endpointBackoff, "endpointBackoff");
        if (maxPerEndpoint < 1 || maxMessages < 1) {
            throw new IllegalArgumentException("at least one session an endpoint and one message a session");
        }
    }
}
