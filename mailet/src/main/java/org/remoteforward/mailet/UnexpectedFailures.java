package org.remoteforward.mailet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.config.RetrySchedule;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of a mail whose attempt failed in a way no recipient's outcome explains (James
 * refused a bounce, the queue refused a retry, a defect): it goes back to the outgoing queue as it
 * now stands, with only the recipients still pending and its retry state, after the schedule's
 * pause; the item it came in is then acknowledged. Handing the item back instead (RETRY) would, on
 * a broker such as RabbitMQ, deliver the message as first enqueued again, to recipients already
 * served, and at once, for ever if the failure repeats. After {@value #LIMIT} such failures of one
 * mail, its pending recipients go to {@code errorProcessor} with the cause.
 */
final class UnexpectedFailures {
    /** How many times the mail failed unexpectedly, an Integer. */
    static final AttributeName COUNT = AttributeName.of("org.remoteforward.unexpectedFailures");
    static final int LIMIT = 5;
    private static final Logger LOGGER = LoggerFactory.getLogger(UnexpectedFailures.class);

    private final MailetContext context;
    private final String errorProcessor;
    private final RetrySchedule schedule;
    private final DelayedRetries retries;
    private final CredentialsVault vault;

    UnexpectedFailures(MailetContext context, String errorProcessor, RetrySchedule schedule, DelayedRetries retries, CredentialsVault vault) {
        this.context = context;
        this.errorProcessor = errorProcessor;
        this.schedule = schedule;
        this.retries = retries;
        this.vault = vault;
    }

    /**
     * Puts the mail back for a later attempt, or past the limit hands it to the error processor.
     *
     * @throws MessagingException when neither can be done: the item then goes back to its queue as it was
     */
    void recover(Mail mail, Exception failure) throws MessagingException {
        if (mail.getRecipients().isEmpty()) {
            LOGGER.error("mail {}: every recipient was dealt with before this failure; nothing is put back", mail.getName(), failure);
            return;
        }
        int failures = count(mail) + 1;
        mail.setAttribute(new Attribute(COUNT, AttributeValue.of(failures)));
        if (failures < LIMIT) {
            LOGGER.error("mail {} failed unexpectedly ({} of {} times); {} go back to the queue, next attempt in {}", mail.getName(),
                failures, LIMIT, PrintableText.addresses(mail.getRecipients()), schedule.delayBefore(failures), failure);
            retries.enqueue(mail, schedule.delayBefore(failures));
            return;
        }
        String detail = "delivery failed unexpectedly " + failures + " times, last: " + failure;
        List<RecipientResult> pending = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            pending.add(RecipientResult.refused(recipient.asString(), Refusal.localError(detail)));
        }
        LOGGER.error("mail {} failed unexpectedly {} times; {} go to processor {}", mail.getName(), failures,
            PrintableText.addresses(mail.getRecipients()),
            errorProcessor, failure);
        FailedRecipients.handTo(context, mail, pending, errorProcessor);
        vault.doneWith(mail, mail.getRecipients());
    }

    private static int count(Mail mail) {
        return mail.getAttribute(COUNT).map(attribute -> attribute.getValue().getValue())
            .filter(Integer.class::isInstance).map(Integer.class::cast).orElse(0);
    }
}
