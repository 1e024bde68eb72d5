package org.remoteforward.sender;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a message is from and to, as MAIL FROM and RCPT TO will say it.
 *
 * @param sender the reverse path without brackets; empty for the null sender {@code <>}
 * @param recipients forward paths without brackets, at least one
 * @param credentials the original client's credentials, used only with {@link AuthMode#FORWARD}
 */
public record Envelope(String sender, List<String> recipients, Optional<Credentials> credentials) {
    public Envelope {
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        Objects.requireNonNull(credentials, "credentials");
    }

    public Envelope(String sender, List<String> recipients) {
        this(sender, recipients, Optional.empty());
    }
}
