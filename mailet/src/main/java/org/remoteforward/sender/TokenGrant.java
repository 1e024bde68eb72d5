package org.remoteforward.sender;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to ask an OAuth 2.0 token endpoint ({@code oauthTokenEndpoint}) for access tokens: the client
 * credentials grant (RFC 6749 4.4, as Exchange Online takes for SMTP AUTH) when no refresh token
 * file is given, the refresh token grant (RFC 6749 6, as Gmail takes) when one is. The secret and
 * the refresh token stay in their files; they are read when a token is asked for, so a rotated
 * secret is picked up without a restart.
 *
 * @param endpoint the token endpoint (https, or http on loopback)
 * @param clientId {@code oauthClientId}
 * @param clientSecretFile {@code oauthClientSecretFile}; required for client credentials
 * @param scope {@code oauthScope}, sent when given
 * @param refreshTokenFile {@code oauthRefreshTokenFile}: the refresh token grant, with a rotated
 *     token written back to it
 */
public record TokenGrant(URI endpoint, String clientId, Optional<Path> clientSecretFile, Optional<String> scope,
                         Optional<Path> refreshTokenFile) {
    public TokenGrant {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecretFile, "clientSecretFile");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(refreshTokenFile, "refreshTokenFile");
        if (clientSecretFile.isEmpty() && refreshTokenFile.isEmpty()) {
            throw new IllegalArgumentException("the client credentials grant needs the client secret");
        }
    }

    /** The endpoint as messages name it: without a query, which may carry what only the provider should see. */
    public String endpointForMessages() {
        return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
            + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
    }

    /** The grant_type this sends: refresh_token with a refresh token file, client_credentials without. */
    String grantType() {
        return refreshTokenFile.isPresent() ? "refresh_token" : "client_credentials";
    }
}
