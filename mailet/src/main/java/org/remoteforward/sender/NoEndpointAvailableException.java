package org.remoteforward.sender;

import java.io.IOException;

/** Every endpoint was tried and none could be used; the message names each with its reason. */
final class NoEndpointAvailableException extends IOException {
    private final boolean congested;

    /** @param congested some endpoint had all its sessions in use: the relay is busy rather than the downstream broken */
    NoEndpointAvailableException(String message, boolean congested) {
        super(message);
        this.congested = congested;
    }

    NoEndpointAvailableException(String message) {
        this(message, false);
    }

    boolean congested() {
        return congested;
    }
}
