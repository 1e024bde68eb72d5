package org.remoteforward.sender;

import java.io.IOException;

/** An endpoint that answered but cannot be used: refused greeting, no STARTTLS, no AUTH, ... */
final class SessionSetupException extends IOException {
    SessionSetupException(String message) {
        super(message);
    }
}
