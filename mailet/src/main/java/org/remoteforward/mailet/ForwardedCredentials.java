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

    /**
     * What was found: credentials, or for a mail received with some, why they cannot be used here.
     *
     * @param keyMismatch the credentials are sealed into the mail with a key this mailet does not
     *     have: an operator's error to fix (every node needs the same key file), so the mail is kept
     *     whole, waiting for its retries and then in the error processor, never bounced
     */
    record Found(Optional<Credentials> credentials, Optional<String> missing, boolean keyMismatch) {
        static Found none() {
            return new Found(Optional.empty(), Optional.empty(), false);
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
            String sealedWith = CredentialsSeal.sealedKeyId(mail).map(id -> "sealed with key " + id)
                .orElse("sealed with a key whose id this version did not record");
            if (seal.isEmpty()) {
                return mismatch("auth forward: the client's credentials are " + sealedWith + " (ForwardCredentialsHook's"
                    + " credentialsKeyFile), and this mailet has no credentialsKeyFile to open them: give it the same key file");
            }
            Optional<Credentials> opened = seal.get().openFrom(mail);
            if (opened.isPresent()) {
                return new Found(opened, Optional.empty(), false);
            }
            if (CredentialsSeal.sealedKeyId(mail).equals(Optional.of(seal.get().keyId()))) {
                // the right key, and still no opening: altered, or moved onto another sender's mail; nothing to wait for
                return missing("auth forward: the client's credentials, sealed with this mailet's key " + seal.get().keyId()
                    + ", do not open for this mail: altered, or moved onto a mail of another sender");
            }
            return mismatch("auth forward: the client's credentials are " + sealedWith + ", and this mailet's credentialsKeyFile "
                + seal.get().file() + " holds key " + seal.get().keyId() + ": every James node needs the same key file");
        }
        Optional<Credentials> held = vault.credentialsFor(mail);
        if (held.isPresent()) {
            return new Found(held, Optional.empty(), false);
        }
        return vault.hadCredentialsFor(mail) ? missing(vault.whyMissing(mail)) : Found.none();
    }

    /** Another mail (a bounce of {@code from}) goes out with the same credentials, sealed for it or claimed in memory. */
    void extendTo(Mail from, Mail to) {
        vault.extendTo(from, to);
        seal.ifPresent(used -> used.extendTo(from, to));
    }

    private static Found missing(String why) {
        return new Found(Optional.empty(), Optional.of(why), false);
    }

    private static Found mismatch(String why) {
        return new Found(Optional.empty(), Optional.of(why + "; the mail is kept and tried again"), true);
    }
}
