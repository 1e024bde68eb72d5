package org.remoteforward.sender;

import java.io.IOException;

/** The server said something that is not a well-formed SMTP/LMTP reply, or too much of it. */
final class ProtocolException extends IOException {
    ProtocolException(String message) {
        super(message);
    }
}
