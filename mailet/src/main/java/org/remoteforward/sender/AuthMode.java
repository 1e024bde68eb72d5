package org.remoteforward.sender;

/** How to authenticate to the downstream server, after TLS. */
public enum AuthMode {
    /** No AUTH command. */
    OFF,
    /** SASL PLAIN with credentials from the configuration. */
    PLAIN,
    /** SASL PLAIN with the credentials the original client gave, carried by each envelope. */
    FORWARD,
    /** SASL EXTERNAL: the TLS client certificate is the identity. */
    EXTERNAL
}
