package org.remoteforward.sender;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One recipient's DSN request (RFC 3461): RCPT TO's NOTIFY and ORCPT.
 *
 * @param notices NOTIFY: the notices asked for; empty when NOTIFY was not given (a failure notice only, by default)
 * @param originalRecipient ORCPT's address, decoded from its xtext; its type is always {@code rfc822}, the only one James takes
 */
public record RecipientDsn(Set<Notify> notices, Optional<String> originalRecipient) {
    public static final RecipientDsn NONE = new RecipientDsn(Set.of(), Optional.empty());

    /** NOTIFY's values. */
    public enum Notify {
        NEVER, SUCCESS, FAILURE, DELAY
    }

    public RecipientDsn {
        notices = Set.copyOf(notices);
        Objects.requireNonNull(originalRecipient, "originalRecipient");
    }

    /** Whether a failure is to be told to the sender: NOTIFY absent (RFC 3461 4.1's default) or naming FAILURE. */
    public boolean wantsFailureNotice() {
        return notices.isEmpty() || notices.contains(Notify.FAILURE);
    }

    /** Whether a delivery is to be told to the sender: NOTIFY naming SUCCESS. */
    public boolean wantsSuccessNotice() {
        return notices.contains(Notify.SUCCESS);
    }
}
