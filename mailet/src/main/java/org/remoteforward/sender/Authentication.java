package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * AUTH as the settings ask: none, PLAIN with configured or forwarded credentials, LOGIN with
 * configured ones, or EXTERNAL;
 * and the identity a session authenticates as, so that the pool reuses a session only for the
 * same identity.
 */
final class Authentication {
    private Authentication() {
    }

    /**
     * Who a session authenticates as. Forwarded credentials count by user and a digest of the
     * password, never kept in clear; empty without AUTH (or without the forwarded credentials).
     */
    static String identity(SenderSettings settings, Optional<Credentials> forwarded) {
        return switch (settings.auth()) {
            case OFF -> "";
            case EXTERNAL -> "external";
            case PLAIN -> "plain:" + settings.configuredCredentials().orElseThrow().username();
            case LOGIN -> "login:" + settings.configuredCredentials().orElseThrow().username();
            case FORWARD -> forwarded.map(c -> "forward:" + c.username() + ":" + digest(c.password())).orElse("");
        };
    }

    /** Why no session may be opened for this transaction at all: auth forward without the client's credentials. */
    static Optional<String> missingCredentials(SenderSettings settings, Optional<Credentials> forwarded) {
        if (settings.forwardsClientCredentials() && forwarded.isEmpty()) {
            return Optional.of("auth forward needs the original client's credentials, and this message carries none"
                + " (was it submitted with SMTP AUTH?)");
        }
        return Optional.empty();
    }

    /**
     * Authenticates the session as {@code identity} unless it already is; the server's refusal
     * when it refused, empty when the session may go on.
     */
    static Optional<Reply> authenticate(SmtpSession session, SenderSettings settings, String identity,
                                        Optional<Credentials> forwarded) throws IOException {
        if (settings.auth() == AuthMode.OFF || identity.equals(session.authenticatedAs())) {
            // no AUTH wanted, or a pooled session already authenticated as this very identity
            return Optional.empty();
        }
        Reply reply;
        if (settings.auth() == AuthMode.EXTERNAL) {
            // an empty initial response: the identity is the certificate's
            reply = session.command(SmtpCommand.of("AUTH", "EXTERNAL ="));
            if (reply.isIntermediate()) {
                reply = session.command(SmtpCommand.continuation("AUTH", "="));
            }
        } else if (settings.auth() == AuthMode.LOGIN) {
            reply = login(session, settings.configuredCredentials().orElseThrow());
        } else {
            Credentials credentials = settings.forwardsClientCredentials()
                ? forwarded.orElseThrow()
                : settings.configuredCredentials().orElseThrow();
            String response = Base64.getEncoder().encodeToString(
                ("\0" + credentials.username() + "\0" + credentials.password()).getBytes(StandardCharsets.UTF_8));
            reply = session.command(SmtpCommand.secret("AUTH", "AUTH PLAIN " + response, "AUTH PLAIN <redacted>"));
            if (reply.isIntermediate()) {
                reply = session.command(SmtpCommand.secret("AUTH", response, "<redacted>"));
            }
        }
        if (!reply.isPositive()) {
            return Optional.of(reply);
        }
        session.authenticated(identity);
        return Optional.empty();
    }

    /** SASL LOGIN: the user name and the password, each base64, each in answer to the server's 334 challenge. */
    private static Reply login(SmtpSession session, Credentials credentials) throws IOException {
        Reply reply = session.command(SmtpCommand.of("AUTH", "LOGIN"));
        for (String answer : new String[] {credentials.username(), credentials.password()}) {
            if (!reply.isIntermediate()) {
                return reply;
            }
            reply = session.command(SmtpCommand.secret("AUTH", base64(answer), "<redacted>"));
        }
        return reply;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
