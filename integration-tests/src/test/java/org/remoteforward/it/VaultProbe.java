package org.remoteforward.it;

import javax.inject.Inject;

import org.apache.james.server.core.MailImpl;
import org.apache.james.utils.GuiceProbe;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.remoteforward.mailet.CredentialsVault;

import com.google.inject.Module;
import com.google.inject.multibindings.Multibinder;

/** Lets a test ask the running James's credentials vault whether it still holds a mail's credentials. */
public class VaultProbe implements GuiceProbe {
    /** Registers the probe with James's Guice. */
    static final Module MODULE = binder -> Multibinder.newSetBinder(binder, GuiceProbe.class).addBinding().to(VaultProbe.class);

    private final CredentialsVault vault;

    @Inject
    public VaultProbe(CredentialsVault vault) {
        this.vault = vault;
    }

    /** Whether the vault still holds the credentials a mail carrying {@code token} would be sent with. */
    public boolean holds(String token) throws Exception {
        MailImpl mail = MailImpl.builder().name("probe").addAttribute(new Attribute(CredentialsVault.TOKEN, AttributeValue.of(token))).build();
        try {
            return vault.credentialsFor(mail).isPresent();
        } finally {
            mail.dispose();
        }
    }
}
