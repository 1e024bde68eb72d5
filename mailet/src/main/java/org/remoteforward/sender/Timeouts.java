package org.remoteforward.sender;

import java.time.Duration;
import java.util.Objects;

/**
 * The three bounds on a delivery, as maddy has them.
 *
 * @param connect establishing a connection to one endpoint, implicit TLS handshake included
 * @param command waiting for the reply to any one command (greeting, STARTTLS handshake included)
 * @param submission sending the message body and receiving the final reply (every LMTP reply)
 */
public record Timeouts(Duration connect, Duration command, Duration submission) {
    public static final Timeouts DEFAULTS = new Timeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(12));

    public Timeouts {
        requirePositive(connect, "connect");
        requirePositive(command, "command");
        requirePositive(submission, "submission");
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " timeout must be positive");
        }
    }
}
