package org.remoteforward.mailet;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
 */
public final class CredentialsVault {
    public static final String TOKEN_NAME = "org.remoteforward.credentialsToken";
    public static final AttributeName TOKEN = AttributeName.of(TOKEN_NAME);

    private static final CredentialsVault SHARED = new CredentialsVault();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Credentials> byToken = new ConcurrentHashMap<>();

    /** The vault of this JVM: what the SMTP side deposits, the mailet finds. */
    public static CredentialsVault shared() {
        return SHARED;
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

    /** Forgets the mail's credentials once nothing will be sent with them again. */
    public void release(Mail mail) {
        mail.getAttribute(TOKEN)
            .map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance)
            .ifPresent(byToken::remove);
    }
}
