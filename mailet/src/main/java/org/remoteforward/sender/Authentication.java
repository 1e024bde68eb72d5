package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
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
            case XOAUTH2, OAUTHBEARER -> settings.auth().name().toLowerCase(Locale.ROOT) + ":" + settings.oauth().orElseThrow().username();
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
     * How AUTH went: nothing refused; or the server's reply that refused it (for health) and the
     * refusal that decides the transaction's recipients; or a refusal with no server reply, when
     * no access token could be had and nothing was sent.
     */
    record Answer(Optional<Reply> serverRefusal, Optional<Refusal> refusal) {
        static final Answer ACCEPTED = new Answer(Optional.empty(), Optional.empty());

        /**
         * Why the endpoint cannot be used with the relay's own login now, for health: the
         * server refused it, or no access token could be had to present. Empty once AUTH succeeds.
         */
        Optional<String> unusableBecause() {
            if (serverRefusal.isPresent()) {
                return Optional.of("refused our credentials: " + serverRefusal.get());
            }
            return refusal.map(r -> "no access token: " + r.detail());
        }
    }

    /** Authenticates the session as {@code identity} unless it already is. */
    static Answer authenticate(SmtpSession session, SenderSettings settings, String identity,
                               Optional<Credentials> forwarded) throws IOException {
        if (settings.auth() == AuthMode.OFF || identity.equals(session.authenticatedAs())) {
            // no AUTH wanted, or a pooled session already authenticated as this very identity
            return Answer.ACCEPTED;
        }
        if (settings.auth().usesAccessToken()) {
            return withToken(session, settings, identity);
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
            return new Answer(Optional.of(reply), Optional.of(Refusal.authRefused(reply)));
        }
        session.authenticated(identity);
        return Answer.ACCEPTED;
    }

    /**
     * XOAUTH2 or OAUTHBEARER with the source's token; a refused token is dropped and a new one
     * tried once more on the same session, and a second refusal, like a token that cannot be had,
     * is temporary: the mail waits for a fresh token, never bounced for it.
     */
    private static Answer withToken(SmtpSession session, SenderSettings settings, String identity) throws IOException {
        OAuthLogin login = settings.oauth().orElseThrow();
        Reply refused = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            AccessToken token;
            try {
                token = login.tokens().current();
            } catch (TokenUnavailableException e) {
                // after a refusal, health still hears of it
                return new Answer(Optional.ofNullable(refused), Optional.of(Refusal.tokenUnavailable(PrintableText.line(e.getMessage()))));
            }
            Reply reply = oauth(session, settings.auth(), login.username(), token);
            if (reply.isPositive()) {
                session.authenticated(identity);
                return Answer.ACCEPTED;
            }
            login.tokens().refused(token);
            refused = reply;
        }
        return new Answer(Optional.of(refused), Optional.of(Refusal.tokenRefused(session.endpoint(), refused)));
    }

    /**
     * One SASL exchange with an access token. A server refusing the token may first send a 334
     * challenge with its error (a JSON document); the client answers it with the empty response
     * (XOAUTH2) or {@code ^A} (RFC 7628 3.2.3), and the server then sends its final refusal.
     */
    private static Reply oauth(SmtpSession session, AuthMode mode, String user, AccessToken token) throws IOException {
        Endpoint endpoint = session.endpoint();
        // RFC 7628 3.1: host and port are optional; a unix socket has neither
        String hostPort = endpoint.scheme() == Endpoint.Scheme.UNIX ? "" : "host=" + endpoint.host() + "\u0001port=" + endpoint.port() + "\u0001";
        String message = mode == AuthMode.XOAUTH2
            ? "user=" + user + "\u0001auth=Bearer " + token.value() + "\u0001\u0001"
            : "n,a=" + user + ",\u0001" + hostPort + "auth=Bearer " + token.value() + "\u0001\u0001";
        String verb = mode.name();
        Reply reply = session.command(SmtpCommand.secret("AUTH", "AUTH " + verb + " " + base64(message), "AUTH " + verb + " <redacted>"));
        if (reply.isIntermediate()) {
            reply = session.command(SmtpCommand.continuation("AUTH", mode == AuthMode.XOAUTH2 ? "" : base64("\u0001")));
        }
        return reply;
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
