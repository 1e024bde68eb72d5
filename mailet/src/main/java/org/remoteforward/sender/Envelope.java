package org.remoteforward.sender;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Who a message is from and to, as MAIL FROM and RCPT TO will say it.
 *
 * @param sender the reverse path without brackets; empty for the null sender {@code <>}
 * @param recipients forward paths without brackets, at least one
 * @param credentials the original client's credentials, used only with {@link AuthMode#FORWARD}
 * @param origin the client the message first came from, for XFORWARD; empty when it came from no client
 * @param dsn the sender's DSN request (RFC 3461), its recipients' included
 */
public record Envelope(String sender, List<String> recipients, Optional<Credentials> credentials, Optional<ClientOrigin> origin,
                       DsnRequest dsn) {
    public Envelope {
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(dsn, "dsn");
    }

    public Envelope(String sender, List<String> recipients) {
        this(sender, recipients, Optional.empty(), Optional.empty(), DsnRequest.NONE);
    }

    public Envelope(String sender, List<String> recipients, Optional<Credentials> credentials) {
        this(sender, recipients, credentials, Optional.empty(), DsnRequest.NONE);
    }

    public Envelope(String sender, List<String> recipients, Optional<Credentials> credentials, Optional<ClientOrigin> origin) {
        this(sender, recipients, credentials, origin, DsnRequest.NONE);
    }

    /** What a transaction for this envelope begins with (the message's own size is declared, not any other). */
    MailFrom mailFrom() {
        return new MailFrom(sender, credentials, origin, OptionalLong.empty(), dsn);
    }
}
