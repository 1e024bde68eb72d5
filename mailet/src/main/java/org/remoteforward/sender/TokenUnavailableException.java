package org.remoteforward.sender;

import java.io.IOException;

/** No access token can be had now; the message says why, never what a token or secret holds. */
public final class TokenUnavailableException extends IOException {
    public TokenUnavailableException(String message) {
        super(message);
    }

    public TokenUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
