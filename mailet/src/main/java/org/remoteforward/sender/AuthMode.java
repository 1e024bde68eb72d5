package org.remoteforward.sender;

/** How to authenticate to the downstream server, after TLS. */
public enum AuthMode {
    /** No AUTH command. */
    OFF,
    /** SASL PLAIN with credentials from the configuration. */
    PLAIN,
    /** SASL LOGIN with credentials from the configuration, for servers that offer only LOGIN (maddy's {@code auth login}). */
    LOGIN,
    /** SASL PLAIN with the credentials the original client gave, carried by each envelope. */
    FORWARD,
    /** SASL EXTERNAL: the TLS client certificate is the identity. */
    EXTERNAL,
    /** Google's and Microsoft's XOAUTH2: {@code user=U^Aauth=Bearer T^A^A}, with an OAuth 2.0 access token. */
    XOAUTH2,
    /** SASL OAUTHBEARER (RFC 7628), with an OAuth 2.0 access token. */
    OAUTHBEARER;

    /** Whether AUTH presents an OAuth access token ({@code authUsername} and a token source). */
    public boolean usesAccessToken() {
        return this == XOAUTH2 || this == OAUTHBEARER;
    }

    /** Whether the configuration gives the credentials (authUsername, authPassword). */
    public boolean usesConfiguredCredentials() {
        return this == PLAIN || this == LOGIN;
    }
}
