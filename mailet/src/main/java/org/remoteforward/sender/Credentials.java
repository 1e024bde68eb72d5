package org.remoteforward.sender;

import java.util.Objects;

/**
 * A user name and password for SASL PLAIN. {@link #toString()} never shows the password, so a
 * stray log statement cannot leak it.
 */
public record Credentials(String username, String password) {
    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=<redacted>]";
    }
}
