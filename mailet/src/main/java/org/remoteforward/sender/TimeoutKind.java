package org.remoteforward.sender;

import java.time.Duration;

/**
 * The bounds a step runs under, by name, and how an expiry is reported: the three of
 * {@link Timeouts}, and the one for ending a session, which no server may stretch past
 * {@value #QUIT_LIMIT_SECONDS} seconds whatever the command timeout.
 */
enum TimeoutKind {
    CONNECT("connect timeout"),
    COMMAND("command timeout"),
    SUBMISSION("submission timeout"),
    QUIT("quit timeout");

    static final int QUIT_LIMIT_SECONDS = 10;
    private static final Duration QUIT_LIMIT = Duration.ofSeconds(QUIT_LIMIT_SECONDS);

    private final String description;

    TimeoutKind(String description) {
        this.description = description;
    }

    Duration of(Timeouts timeouts) {
        return switch (this) {
            case CONNECT -> timeouts.connect();
            case COMMAND -> timeouts.command();
            case SUBMISSION -> timeouts.submission();
            // a session being ended holds a thread and a permit for nobody: no longer than the command timeout, nor than the limit
            case QUIT -> timeouts.command().compareTo(QUIT_LIMIT) < 0 ? timeouts.command() : QUIT_LIMIT;
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
