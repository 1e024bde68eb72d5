package org.remoteforward.sender;

import java.time.Duration;

/** The three bounds of {@link Timeouts}, by name: which one a step runs under, and how an expiry is reported. */
enum TimeoutKind {
    CONNECT("connect timeout"),
    COMMAND("command timeout"),
    SUBMISSION("submission timeout");

    private final String description;

    TimeoutKind(String description) {
        this.description = description;
    }

    Duration of(Timeouts timeouts) {
        return switch (this) {
            case CONNECT -> timeouts.connect();
            case COMMAND -> timeouts.command();
            case SUBMISSION -> timeouts.submission();
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
