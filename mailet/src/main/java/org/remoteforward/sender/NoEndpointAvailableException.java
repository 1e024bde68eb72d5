package org.remoteforward.sender;

import java.io.IOException;

/** Every endpoint was tried and none could be used; the message names each with its reason. */
final class NoEndpointAvailableException extends IOException {
    NoEndpointAvailableException(String message) {
        super(message);
    }
}
