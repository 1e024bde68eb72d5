package org.remoteforward.sender;

/**
 * The downstream protocol: SMTP (RFC 5321) or LMTP (RFC 2033).
 *
 * <p>LMTP differs in its greeting verb and in answering once per accepted recipient after the
 * final dot, which is what makes partial delivery possible.
 */
public enum Protocol {
    SMTP("EHLO"),
    LMTP("LHLO");

    private final String helloVerb;

    Protocol(String helloVerb) {
        this.helloVerb = helloVerb;
    }

    String helloVerb() {
        return helloVerb;
    }

    /** Whether STARTTLS is required when the operator does not say: on for SMTP, off for LMTP. */
    public boolean starttlsByDefault() {
        return this == SMTP;
    }
}
