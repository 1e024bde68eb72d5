package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** AUTH on a session, as the settings ask: none, PLAIN with configured or forwarded credentials, or EXTERNAL. */
final class Authentication {
    private Authentication() {
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
            reply = session.command("AUTH EXTERNAL =");
            if (reply.isIntermediate()) {
                reply = session.command("=");
            }
        } else {
            Credentials credentials = settings.auth() == AuthMode.FORWARD
                ? forwarded.orElseThrow()
                : settings.configuredCredentials().orElseThrow();
            String response = Base64.getEncoder().encodeToString(
                ("\0" + credentials.username() + "\0" + credentials.password()).getBytes(StandardCharsets.UTF_8));
            reply = session.secretCommand("AUTH PLAIN " + response, "AUTH PLAIN <redacted>");
            if (reply.isIntermediate()) {
                reply = session.secretCommand(response, "<redacted>");
            }
        }
        if (!reply.isPositive()) {
            return Optional.of(reply);
        }
        session.authenticated(identity);
        return Optional.empty();
    }
}
