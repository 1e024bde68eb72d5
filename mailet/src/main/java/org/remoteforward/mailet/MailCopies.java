package org.remoteforward.mailet;

import java.util.ArrayList;
import java.util.List;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.RecipientResult;

/**
 * Sends a copy of a mail, addressed to some of its recipients, into a James processor: the failed
 * recipients to the error or bounce processor, the delivered ones to {@code afterForward}. The
 * copy is disposed of once James has it.
 */
public final class MailCopies {
    private MailCopies() {
    }

    /** What is done to a copy: marked with what it carries besides its recipients (the failure attributes, say), or handed on. */
    @FunctionalInterface
    public interface Marking {
        Marking NONE = copy -> { };

        void mark(Mail copy) throws MessagingException;
    }

    /** Sends a copy of {@code mail} for the {@code recipients}' addresses into {@code processor}, marked as asked. */
    public static void send(MailetContext context, Mail mail, List<RecipientResult> recipients, String processor, Marking marking)
        throws MessagingException {
        withCopy(mail, recipients, copy -> {
            marking.mark(copy);
            context.sendMail(copy, processor);
        });
    }

    /** Hands {@code action} a copy of {@code mail} for the {@code recipients}' addresses, disposed of once the action is done. */
    public static void withCopy(Mail mail, List<RecipientResult> recipients, Marking action) throws MessagingException {
        Mail copy = mail.duplicate();
        try {
            copy.setRecipients(addresses(recipients));
            action.mark(copy);
        } finally {
            LifecycleUtil.dispose(copy);
        }
    }

    /** The recipients of the results, as James addresses. */
    public static List<MailAddress> addresses(List<RecipientResult> results) throws MessagingException {
        List<MailAddress> addresses = new ArrayList<>();
        for (RecipientResult result : results) {
            addresses.add(new MailAddress(result.recipient()));
        }
        return addresses;
    }
}
