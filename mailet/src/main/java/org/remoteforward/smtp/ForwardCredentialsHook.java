package org.remoteforward.smtp;

import java.nio.file.Path;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.Username;
import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Mail;
import org.remoteforward.mailet.CredentialsSeal;
import org.remoteforward.mailet.CredentialsVault;
import org.remoteforward.sender.Credentials;

/**
 * The SMTP side of {@code auth forward}: remembers the credentials an SMTP client authenticates
 * to James with, and puts them in the {@link CredentialsVault} for each mail that client sends,
 * so RemoteForwardMailet can authenticate downstream as the same user.
 *
 * <p>It decides nothing: {@link #doAuth} declines, leaving the check to James's own hook, and
 * {@link #onMessage} deposits the credentials only when James did authenticate that very user
 * in this session. It must come before James's hooks in the handler chain of smtpserver.xml:
 * <pre>
 * &lt;handler class="org.remoteforward.smtp.ForwardCredentialsHook"/&gt;
 * &lt;handler class="org.apache.james.smtpserver.CoreCmdHandlerLoader"/&gt;
 * </pre>
 * With a {@code <credentialsKeyFile>} child element the credentials are sealed into the mail
 * ({@link CredentialsSeal}) rather than kept in this James's memory: any James node whose
 * RemoteForwardMailet has the same key can then send it, after a restart too.
 */
public class ForwardCredentialsHook implements AuthHook, JamesMessageHook {
    /** The child element naming the key file. */
    public static final String KEY_FILE = "credentialsKeyFile";
    private static final ProtocolSession.AttachmentKey<Offered> OFFERED =
        ProtocolSession.AttachmentKey.of("org.remoteforward.offeredCredentials", Offered.class);

    private final CredentialsVault vault;
    private Optional<CredentialsSeal> seal = Optional.empty();

    /** What the client offered in AUTH, before James said whether it was right. */
    private record Offered(Username username, Credentials credentials) {
    }

    @Inject
    public ForwardCredentialsHook(CredentialsVault vault) {
        this.vault = vault;
    }

    /** Reads {@code credentialsKeyFile}, when given: the key that seals credentials into mails instead of this James's memory. */
    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String keyFile = configuration.getString(KEY_FILE, "").trim();
        if (keyFile.isEmpty()) {
            return;
        }
        try {
            seal = Optional.of(CredentialsSeal.fromFile(Path.of(keyFile)));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(getClass().getName() + " " + KEY_FILE + ": " + e.getMessage(), e);
        }
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        session.setAttachment(OFFERED, new Offered(username, new Credentials(username.asString(), password)),
            ProtocolSession.State.Connection);
        return HookResult.DECLINED;
    }

    @Override
    public HookResult doSasl(SMTPSession session, OidcSASLConfiguration configuration, String initialResponse) {
        // a bearer token is no password to forward
        return HookResult.DECLINED;
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        confirmedCredentials(session).ifPresent(credentials -> {
            if (seal.isPresent()) {
                seal.get().sealInto(mail, credentials);
            } else {
                vault.depositFor(mail, credentials);
            }
        });
        return HookResult.DECLINED;
    }

    /** The credentials the client offered in AUTH, if James authenticated that very user in this session. */
    public static Optional<Credentials> confirmedCredentials(SMTPSession session) {
        Optional<Offered> offered = session.getAttachment(OFFERED, ProtocolSession.State.Connection);
        Username authenticated = session.getUsername();
        return offered.filter(o -> o.username().equals(authenticated)).map(Offered::credentials);
    }
}
