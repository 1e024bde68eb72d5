package org.remoteforward.mailet;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.remoteforward.sender.Credentials;

/**
 * Holds the credentials that SMTP clients authenticated with, for {@code auth forward}, in this
 * JVM's memory only. A mail carries a random token ({@value #TOKEN_NAME}), never the credentials:
 * whatever James writes to a queue or repository holds nothing secret. The price: after a restart
 * the credentials are gone and such mails fail with a clear error rather than go out unauthenticated.
 *
 * <p>One per James server: Guice hands the same instance to {@code ForwardCredentialsHook} (which
 * deposits) and to RemoteForwardMailet (which takes), and a James started again gets an empty one.
 */
@Singleton
public final class CredentialsVault {
    public static final String TOKEN_NAME = "org.remoteforward.credentialsToken";
    public static final AttributeName TOKEN = AttributeName.of(TOKEN_NAME);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Credentials> byToken = new ConcurrentHashMap<>();

    @Inject
    public CredentialsVault() {
    }

    /** Keeps the credentials and marks the mail with the token that finds them again. */
    public void depositFor(Mail mail, Credentials credentials) {
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        byToken.put(token, credentials);
        mail.setAttribute(new Attribute(TOKEN, AttributeValue.of(token)));
    }

    /** The credentials for the mail, when it carries a token this vault still holds. */
    public Optional<Credentials> credentialsFor(Mail mail) {
        return mail.getAttribute(TOKEN)
            .map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance)
            .map(token -> byToken.get((String) token));
    }

    /** Whether the mail was received with credentials, held by this vault or by the JVM before a restart. */
    public boolean hadCredentialsFor(Mail mail) {
        return mail.getAttribute(TOKEN).isPresent();
    }

    /** Forgets the mail's credentials once nothing will be sent with them again. */
    public void release(Mail mail) {
        mail.getAttribute(TOKEN)
            .map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance)
            .ifPresent(byToken::remove);
    }
}
