package org.remoteforward.smtp;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.mailet.FailedRecipients;
import org.remoteforward.mailet.MailCopies;
import org.remoteforward.mailet.QueuedForwarding;
import org.remoteforward.sender.DeliveryResult;

/**
 * Where recipients go that the downstream failed after the client was told the message was taken
 * (an LMTP partial failure; a forwarded recipient beside one James keeps): nobody else will retry
 * or bounce them, so this relay does.
 */
@FunctionalInterface
interface FailedRecipientsRoute {
    /**
     * @param mail the mail as the client sent it
     * @param failed the failed recipients' results of the attempt made during the client's transaction
     */
    void take(Mail mail, DeliveryResult failed) throws MessagingException;

    /** Retried on the schedule and bounced when they fail for good, as RemoteForwardMailet would have: the default. */
    static FailedRecipientsRoute retried(QueuedForwarding retries) {
        return (mail, failed) -> MailCopies.withCopy(mail, failed.recipients(), copy -> retries.takeOver(copy, failed));
    }

    /** A copy for them, carrying why, goes to the operator's {@code failedRecipientsProcessor}. */
    static FailedRecipientsRoute toProcessor(MailetContext context, String processor) {
        return (mail, failed) -> FailedRecipients.handTo(context, mail, failed.recipients(), processor);
    }
}
