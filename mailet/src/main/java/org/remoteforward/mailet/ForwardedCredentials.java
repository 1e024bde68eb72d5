package org.remoteforward.mailet;

import java.util.Optional;

import org.apache.mailet.Mail;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.config.Parameter;
import org.remoteforward.sender.Credentials;

/**
 * Where {@code auth forward} finds a mail's credentials: sealed into the mail ({@link
 * CredentialsSeal}, when the SMTP server has a key file) or in this James's memory ({@link
 * CredentialsVault}); and when neither has them for a mail received with some, why not.
 */
final class ForwardedCredentials {
    private final CredentialsVault vault;
    private final Optional<CredentialsSeal> seal;

    /** What was found: credentials, or for a mail received with some, why they cannot be used here. */
    record Found(Optional<Credentials> credentials, Optional<String> missing) {
        static Found none() {
            return new Found(Optional.empty(), Optional.empty());
        }
    }

    ForwardedCredentials(CredentialsVault vault, Optional<CredentialsSeal> seal) {
        this.vault = vault;
        this.seal = seal;
    }

    /**
     * The vault, and the key of {@code credentialsKeyFile} when there is one, read once; its file
     * named in errors, never its content.
     *
     * @throws InvalidConfigurationException naming {@code credentialsKeyFile} when the file holds no key
     */
    static ForwardedCredentials of(CredentialsVault vault, DeliverySettings delivery) throws InvalidConfigurationException {
        if (delivery.credentialsKeyFile().isEmpty()) {
            return new ForwardedCredentials(vault, Optional.empty());
        }
        try {
            return new ForwardedCredentials(vault, Optional.of(CredentialsSeal.fromFile(delivery.credentialsKeyFile().get())));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(Parameter.CREDENTIALS_KEY_FILE.parameterName(), e.getMessage());
        }
    }

    Found find(Mail mail) {
        if (CredentialsSeal.isSealed(mail)) {
            if (seal.isEmpty()) {
                return missing("auth forward: the client's credentials are sealed into this message (ForwardCredentialsHook has a"
                    + " credentialsKeyFile) and this mailet has no credentialsKeyFile to open them: give it the same key file");
            }
            Optional<Credentials> opened = seal.get().openFrom(mail);
            return opened.isPresent() ? new Found(opened, Optional.empty())
                : missing("auth forward: the client's credentials in this message were sealed with another key than this mailet's"
                    + " credentialsKeyFile, or altered: every James node needs the same key file");
        }
        Optional<Credentials> held = vault.credentialsFor(mail);
        if (held.isPresent()) {
            return new Found(held, Optional.empty());
        }
        return vault.hadCredentialsFor(mail) ? missing(vault.whyMissing(mail)) : Found.none();
    }

    /** Another mail (a bounce of {@code from}) goes out with the same credentials, sealed for it or claimed in memory. */
    void extendTo(Mail from, Mail to) {
        vault.extendTo(from, to);
        seal.ifPresent(used -> used.extendTo(from, to));
    }

    private static Found missing(String why) {
        return new Found(Optional.empty(), Optional.of(why));
    }
}
