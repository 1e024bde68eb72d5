package org.remoteforward.sender;

import java.util.Objects;

/**
 * An OAuth 2.0 access token to present in AUTH XOAUTH2 or OAUTHBEARER. Its value is a secret: it
 * never appears in {@link #toString}, so a log line, a DSN or an exception that names the token
 * names only where it came from.
 *
 * @param value the bearer token
 * @param source where it came from (a file, a token endpoint), for messages
 */
public record AccessToken(String value, String source) {
    public AccessToken {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
        if (value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            // RFC 6750 b64token: visible ASCII only; anything else would break the SASL message
            throw new IllegalArgumentException("the access token from " + source + " is empty or holds characters a bearer token cannot have");
        }
    }

    @Override
    public String toString() {
        return "access token from " + source + " (redacted)";
    }
}
