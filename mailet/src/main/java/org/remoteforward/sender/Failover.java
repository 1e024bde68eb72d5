package org.remoteforward.sender;

import java.util.Locale;

/**
 * When a delivery moves on to the next target ({@code failover}).
 */
public enum Failover {
    /**
     * Only when a target cannot be used at all: connecting, TLS, the greeting, EHLO or the AUTH
     * mechanism fail. A target that answers a transaction with 4xx keeps those recipients; they
     * wait for their retry.
     */
    CONNECTION,
    /**
     * As {@link #CONNECTION}, and the recipients a target answers with 4xx (MAIL FROM, RCPT TO,
     * DATA, the reply after the message, AUTH) are tried on the targets not tried yet in the same
     * attempt before they wait for a retry. A 5xx stays final.
     */
    TEMPORARY;

    /** As written in the {@code failover} parameter. */
    public String written() {
        return name().toLowerCase(Locale.ROOT);
    }
}
