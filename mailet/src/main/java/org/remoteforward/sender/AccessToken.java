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
        if (!isTokenText(value)) {
            throw new IllegalArgumentException("the access token from " + source + " is empty or holds characters a bearer token cannot have");
        }
    }

    /**
     * Whether {@code text} can be a token (RFC 6750 b64token, and a refresh token alike): visible
     * ASCII only, at least one character; anything else would break the SASL message or the form.
     */
    static boolean isTokenText(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c > ' ' && c < 0x7f);
    }

    @Override
    public String toString() {
        return "access token from " + source + " (redacted)";
    }
}
