package org.remoteforward.mailet;

import java.util.List;
import java.util.stream.Collectors;

import javax.mail.MessagingException;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.RecipientResult;

/**
 * Hands failed recipients to a James processor: a copy of the mail addressed to them only,
 * carrying why each failed ({@value FailureAttributes#NAME}, James's {@code delivery-error} and
 * the error message), so a bounce mailet or a retrying RemoteForwardMailet can take it from there.
 */
public final class FailedRecipients {
    static final AttributeName DELIVERY_ERROR = AttributeName.of("delivery-error");

    private FailedRecipients() {
    }

    /** Sends a copy of {@code mail} for the {@code failed} recipients into {@code processor}. */
    public static void handTo(MailetContext context, Mail mail, List<RecipientResult> failed, String processor) throws MessagingException {
        String summary = failed.stream().map(r -> r.recipient() + ": " + r.detail()).collect(Collectors.joining("; "));
        MailCopies.send(context, mail, failed, processor, copy -> {
            copy.setAttribute(FailureAttributes.of(failed));
            copy.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(summary)));
            copy.setErrorMessage(summary);
        });
    }
}
