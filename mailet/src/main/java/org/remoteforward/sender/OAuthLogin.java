package org.remoteforward.sender;

import java.util.Objects;

/**
 * What {@code auth xoauth2} and {@code auth oauthbearer} log in with: the user ({@code
 * authUsername}) and where its access tokens come from.
 *
 * @param username the mailbox the token is for (Exchange Online, Gmail: the sending address)
 * @param tokens the token source, shared by every session of the sender
 */
public record OAuthLogin(String username, AccessTokens tokens) {
    public OAuthLogin {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(tokens, "tokens");
        if (username.isEmpty() || username.chars().anyMatch(c -> c < ' ' || c == 0x7f || c == 0x01 || c == ',')) {
            // the SASL messages separate fields with ^A, and OAUTHBEARER's GS2 header with commas
            throw new IllegalArgumentException("the user must be an address without control characters or commas");
        }
    }
}
