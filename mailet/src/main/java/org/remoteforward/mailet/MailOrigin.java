package org.remoteforward.mailet;

import java.util.Optional;

import org.apache.mailet.Mail;
import org.remoteforward.sender.ClientOrigin;

/**
 * The client a mail came from, as James's SMTP server recorded it on the mail (its address and
 * resolved name, and the {@code org.apache.james.HELO} attribute), for XFORWARD. A mail James made
 * itself (a bounce, a copy) was received from no client: it has none. James does not record
 * whether the client spoke SMTP or ESMTP: that goes as unavailable.
 */
final class MailOrigin {
    private MailOrigin() {
    }

    static Optional<ClientOrigin> of(Mail mail) {
        if (mail.getAttribute(Mail.SMTP_SESSION_ID).isEmpty()) {
            return Optional.empty();
        }
        Optional<String> address = Optional.ofNullable(mail.getRemoteAddr());
        // James records the address itself as the name when the address had no name
        Optional<String> name = Optional.ofNullable(mail.getRemoteHost()).filter(host -> !address.map(host::equals).orElse(false));
        Optional<String> helo = mail.getAttribute(Mail.SMTP_HELO).map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance).map(String.class::cast);
        return Optional.of(new ClientOrigin(address, name, helo, Optional.empty(), false));
    }
}
