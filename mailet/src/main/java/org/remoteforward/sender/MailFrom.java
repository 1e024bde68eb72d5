package org.remoteforward.sender;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a transaction begins with: the sender and everything MAIL FROM, and what goes before it,
 * passes on from the client that sent the message.
 *
 * @param sender the reverse path without brackets; empty for the null sender {@code <>}
 * @param credentials the client's credentials, used only with {@link AuthMode#FORWARD}
 * @param origin the client the message first came from, for XFORWARD
 * @param declaredSize the size the message will have as sent, from what the client declared (SIZE), when the message itself is
 *     not known yet
 * @param dsn the client's DSN request (RFC 3461)
 */
public record MailFrom(String sender, Optional<Credentials> credentials, Optional<ClientOrigin> origin, OptionalLong declaredSize,
                       DsnRequest dsn) {
    public MailFrom {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(declaredSize, "declaredSize");
        Objects.requireNonNull(dsn, "dsn");
    }

    /** From {@code sender}, with nothing else passed on. */
    public static MailFrom of(String sender) {
        return new MailFrom(sender, Optional.empty(), Optional.empty(), OptionalLong.empty(), DsnRequest.NONE);
    }

    public MailFrom withCredentials(Optional<Credentials> credentials) {
        return new MailFrom(sender, credentials, origin, declaredSize, dsn);
    }

    public MailFrom withOrigin(Optional<ClientOrigin> origin) {
        return new MailFrom(sender, credentials, origin, declaredSize, dsn);
    }

    public MailFrom withDeclaredSize(OptionalLong declaredSize) {
        return new MailFrom(sender, credentials, origin, declaredSize, dsn);
    }

    public MailFrom withDsn(DsnRequest dsn) {
        return new MailFrom(sender, credentials, origin, declaredSize, dsn);
    }
}
