package org.remoteforward.mailet;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.RecipientResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the sender about recipients that will not be delivered: through the operator's
 * {@code bounceProcessor} (typically James's DSNBounce) when there is one, else with an RFC 3464
 * DSN of our own. A mail from the null sender is never bounced (it would bounce a bounce); its
 * failed recipients go to the {@code errorProcessor}, so nothing disappears unseen.
 */
final class Bouncer {
    private static final Logger LOGGER = LoggerFactory.getLogger(Bouncer.class);
    /** What RemoteDelivery sets for DSNBounce: the delivery error in words. */

    private final MailetContext context;
    private final Optional<String> bounceProcessor;
    private final String errorProcessor;
    private final String reportingMta;

    Bouncer(MailetContext context, Optional<String> bounceProcessor, String errorProcessor, String reportingMta) {
        this.context = context;
        this.bounceProcessor = bounceProcessor;
        this.errorProcessor = errorProcessor;
        this.reportingMta = reportingMta;
    }

    void bounce(Mail mail, List<RecipientResult> failed) throws MessagingException {
        if (mail.getMaybeSender().isNullSender()) {
            LOGGER.info("mail {} is from the null sender: not bouncing {}, handing them to processor {}",
                mail.getName(), recipients(failed), errorProcessor);
            handTo(mail, failed, errorProcessor);
        } else if (bounceProcessor.isPresent()) {
            handTo(mail, failed, bounceProcessor.get());
        } else {
            context.sendMail(MailAddress.nullSender(), List.of(mail.getMaybeSender().get()),
                DeliveryStatusNotification.build(mail, failed, reportingMta, context.getPostmaster()));
            LOGGER.info("mail {}: sent a DSN to {} for {}", mail.getName(), mail.getMaybeSender().asString(), recipients(failed));
        }
    }

    /** The failed recipients, as a copy of the mail carrying why, to {@code processor}. */
    private void handTo(Mail mail, List<RecipientResult> failed, String processor) throws MessagingException {
        FailedRecipients.handTo(context, mail, failed, processor);
    }

    private static String recipients(List<RecipientResult> failed) {
        return failed.stream().map(RecipientResult::recipient).collect(Collectors.joining(", ", "[", "]"));
    }
}
