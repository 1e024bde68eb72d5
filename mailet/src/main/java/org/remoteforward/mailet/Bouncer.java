package org.remoteforward.mailet;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.server.core.MailImpl;
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

    private final MailetContext context;
    private final Optional<String> bounceProcessor;
    private final String errorProcessor;
    private final String reportingMta;
    private final Clock clock;
    /** Present with {@code auth forward}: the downstream takes nothing unauthenticated, a bounce included. */
    private final Optional<ForwardedCredentials> forwardedCredentials;

    /**
     * @param forwardedCredentials with {@code auth forward}, where the credentials a bounce goes out with are: those of the
     *     client it is for, the only ones the downstream takes mail from that client's relay with
     */
    Bouncer(MailetContext context, Optional<String> bounceProcessor, String errorProcessor, String reportingMta, Clock clock,
            Optional<ForwardedCredentials> forwardedCredentials) {
        this.context = context;
        this.bounceProcessor = bounceProcessor;
        this.errorProcessor = errorProcessor;
        this.reportingMta = reportingMta;
        this.clock = clock;
        this.forwardedCredentials = forwardedCredentials;
    }

    void bounce(Mail mail, List<RecipientResult> failed) throws MessagingException {
        if (mail.getMaybeSender().isNullSender()) {
            LOGGER.info("mail {} is from the null sender: not bouncing {}, handing them to processor {}",
                mail.getName(), recipients(failed), errorProcessor);
            FailedRecipients.handTo(context, mail, failed, errorProcessor);
        } else if (bounceProcessor.isPresent()) {
            FailedRecipients.handTo(context, mail, failed, bounceProcessor.get());
        } else {
            MimeMessage report = DeliveryStatusNotification.build(mail, failed, reportingMta, context.getPostmaster(), clock);
            if (forwardedCredentials.isPresent()) {
                sendWithCredentials(mail, report, forwardedCredentials.get());
            } else {
                context.sendMail(MailAddress.nullSender(), List.of(mail.getMaybeSender().get()), report);
            }
            LOGGER.info("mail {}: sent a DSN to {} for {}", mail.getName(), mail.getMaybeSender().asString(), recipients(failed));
        }
    }

    /**
     * With {@code auth forward} the downstream takes nothing unauthenticated, a bounce included: it
     * goes as the client it is for, carrying that client's credentials (sealed for it, or a claim
     * on them in memory that lasts until it is done with).
     */
    private void sendWithCredentials(Mail mail, MimeMessage report, ForwardedCredentials credentials) throws MessagingException {
        MailImpl dsn = MailImpl.builder().name(MailImpl.getId()).sender(MaybeSender.nullSender())
            .addRecipient(mail.getMaybeSender().get()).mimeMessage(report).build();
        try {
            credentials.extendTo(mail, dsn);
            context.sendMail(dsn);
        } finally {
            LifecycleUtil.dispose(dsn);
        }
    }

    private static String recipients(List<RecipientResult> failed) {
        return failed.stream().map(RecipientResult::recipient).collect(Collectors.joining(", ", "[", "]"));
    }
}
