package org.remoteforward.it;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.remoteforward.mailet.CredentialsVault;

/** Remembers the credentials token of each mail that passes, and lets it go on. */
public class TokenRecorder extends GenericMailet {
    static final List<String> TOKENS = new CopyOnWriteArrayList<>();

    @Override
    public void service(Mail mail) {
        mail.getAttribute(CredentialsVault.TOKEN).ifPresent(token -> TOKENS.add(String.valueOf(token.getValue().getValue())));
    }
}
