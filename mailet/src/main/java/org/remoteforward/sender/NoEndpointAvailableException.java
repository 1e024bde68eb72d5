package org.remoteforward.sender;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** Every endpoint was tried and none could be used; the message names each with its reason. */
final class NoEndpointAvailableException extends IOException {
    private final boolean congested;
    private final Optional<Duration> rateLimitedFor;

    /**
     * @param congested some endpoint had all its sessions in use: the relay is busy rather than the downstream broken
     * @param rateLimitedFor some endpoint that could serve is at its {@code maxMessagesPerMinute}: how soon one has a slot
     */
    NoEndpointAvailableException(String message, boolean congested, Optional<Duration> rateLimitedFor) {
        super(message);
        this.congested = congested;
        this.rateLimitedFor = rateLimitedFor;
    }

    NoEndpointAvailableException(String message, boolean congested) {
        this(message, congested, Optional.empty());
    }

    NoEndpointAvailableException(String message) {
        this(message, false, Optional.empty());
    }

    Optional<Duration> rateLimitedFor() {
        return rateLimitedFor;
    }

    boolean congested() {
        return congested;
    }
}
