package org.remoteforward.mailet;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.sender.DsnRequest;
import org.remoteforward.sender.Protocol;
import org.remoteforward.sender.RecipientResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the sender what became of recipients, as its DSN request (RFC 3461) asks. Failures:
 * through the operator's {@code bounceProcessor} (typically James's DSNFailureRequested and
 * DSNBounce, which read the request themselves) when there is one, else with an RFC 3464 DSN of
 * our own for each recipient whose NOTIFY does not rule it out. Deliveries: a {@code relayed}
 * DSN (over LMTP, {@code delivered}) for each recipient whose NOTIFY asks for SUCCESS and whose
 * downstream could not take that request on (it does not advertise DSN), the notice RFC 3461
 * 6.2.1 asks of the last server that can send one; James has no way of its own to send it. A
 * mail from the null sender gets no notice (it would answer a notice); its failed recipients go
 * to the {@code errorProcessor}, so nothing disappears unseen.
 */
final class StatusReports {
    private static final Logger LOGGER = LoggerFactory.getLogger(StatusReports.class);

    private final MailetContext context;
    private final Optional<String> bounceProcessor;
    private final String errorProcessor;
    private final String reportingMta;
    /** What a recipient the downstream accepted became: delivered (LMTP, the final delivery) or relayed on (SMTP). */
    private final DeliveryStatusNotification.Action acceptedMeans;
    private final Clock clock;
    /** Present with {@code auth forward}: the downstream takes nothing unauthenticated, a notice included. */
    private final Optional<ForwardedCredentials> forwardedCredentials;

    /**
     * @param finalDelivery the downstream delivers into mailboxes (LMTP) rather than relays on
     * @param forwardedCredentials with {@code auth forward}, where the credentials a notice goes out with are: those of the
     *     client it is for, the only ones the downstream takes mail from that client's relay with
     */
    StatusReports(MailetContext context, Optional<String> bounceProcessor, String errorProcessor, String reportingMta, boolean finalDelivery,
            Clock clock, Optional<ForwardedCredentials> forwardedCredentials) {
        this.context = context;
        this.bounceProcessor = bounceProcessor;
        this.errorProcessor = errorProcessor;
        this.reportingMta = reportingMta;
        this.acceptedMeans = finalDelivery ? DeliveryStatusNotification.Action.DELIVERED : DeliveryStatusNotification.Action.RELAYED;
        this.clock = clock;
        this.forwardedCredentials = forwardedCredentials;
    }

    /** As {@code config} says: its bounce and error processors, the HELO name as reporting MTA, LMTP as final delivery. */
    static StatusReports of(ForwardConfig config, MailetContext context, Optional<ForwardedCredentials> forwardedCredentials, Clock clock) {
        return new StatusReports(context, config.delivery().bounceProcessor(), config.errorProcessor(), config.sender().heloName(),
            config.sender().protocol() == Protocol.LMTP, clock, forwardedCredentials);
    }

    /** Bounces {@code failed} recipients to the sender, or hands them to a processor (above). */
    void failed(Mail mail, List<RecipientResult> failed) throws MessagingException {
        if (mail.getMaybeSender().isNullSender()) {
            LOGGER.info("mail {} is from the null sender: not bouncing {}, handing them to processor {}",
                mail.getName(), recipients(failed), errorProcessor);
            FailedRecipients.handTo(context, mail, failed, errorProcessor);
        } else if (bounceProcessor.isPresent()) {
            FailedRecipients.bounceThrough(context, mail, failed, bounceProcessor.get());
        } else {
            DsnRequest dsn = MailDsn.of(mail);
            List<RecipientResult> unwanted = failed.stream().filter(r -> !dsn.recipient(r.recipient()).wantsFailureNotice()).toList();
            if (!unwanted.isEmpty()) {
                LOGGER.info("mail {}: no DSN to {} for {}: its NOTIFY asks for none on failure", mail.getName(),
                    PrintableText.address(mail.getMaybeSender().asString()), recipients(unwanted));
            }
            List<RecipientResult> reported = failed.stream().filter(r -> dsn.recipient(r.recipient()).wantsFailureNotice()).toList();
            if (!reported.isEmpty()) {
                send(mail, DeliveryStatusNotification.failed(mail, reported, dsn, reportingMta, context.getPostmaster(), clock));
                LOGGER.info("mail {}: sent a DSN to {} for {}", mail.getName(), PrintableText.address(mail.getMaybeSender().asString()),
                    recipients(reported));
            }
        }
    }

    /**
     * Hands the failed recipients to the error processor with the whole message, bouncing nothing:
     * for a mail nothing is wrong with that this node cannot send (its credentials are sealed with
     * a key it lacks), whose bounce could not be sent either.
     */
    void keepWhole(Mail mail, List<RecipientResult> failed) throws MessagingException {
        LOGGER.error("mail {}: {} handed whole to processor {}: {}", mail.getName(), recipients(failed), errorProcessor,
            PrintableText.line(failed.get(0).detail()));
        FailedRecipients.handTo(context, mail, failed, errorProcessor);
    }

    /** Tells the sender of the deliveries it asked to hear of that no server after this one will tell it of. */
    void delivered(Mail mail, List<RecipientResult> delivered) throws MessagingException {
        if (mail.getMaybeSender().isNullSender() || delivered.isEmpty()) {
            return;
        }
        DsnRequest dsn = MailDsn.of(mail);
        List<RecipientResult> reported = delivered.stream()
            .filter(r -> !r.dsnTakenOver() && dsn.recipient(r.recipient()).wantsSuccessNotice()).toList();
        if (!reported.isEmpty()) {
            send(mail, DeliveryStatusNotification.succeeded(mail, reported, acceptedMeans, dsn, reportingMta, context.getPostmaster(), clock));
            LOGGER.info("mail {}: sent a {} DSN to {} for {}", mail.getName(), acceptedMeans.field(), PrintableText.address(mail.getMaybeSender().asString()),
                recipients(reported));
        }
    }

    private void send(Mail mail, MimeMessage report) throws MessagingException {
        if (forwardedCredentials.isPresent()) {
            sendWithCredentials(mail, report, forwardedCredentials.get());
        } else {
            context.sendMail(MailAddress.nullSender(), List.of(mail.getMaybeSender().get()), report);
        }
    }

    /**
     * With {@code auth forward} the downstream takes nothing unauthenticated, a notice included: it
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

    private static String recipients(List<RecipientResult> results) {
        return PrintableText.addresses(results.stream().map(RecipientResult::recipient).toList());
    }
}
