package org.remoteforward.mailet;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.sender.RecipientResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The success notices a sender asked for (NOTIFY=SUCCESS) that no server after this one will
 * send, because the downstream does not advertise DSN: a {@code relayed} report (over LMTP,
 * {@code delivered}), for the mailet's deliveries and for those synchronous forwarding makes
 * during its client's transaction. A notice James refuses is logged and left: its recipients are
 * delivered, and retrying them for it would send them the message again.
 */
public final class DeliveryNotices {
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryNotices.class);

    private final StatusReports reports;

    DeliveryNotices(StatusReports reports) {
        this.reports = reports;
    }

    /**
     * Notices sent as {@code config} says (HELO name as reporting MTA, LMTP as final delivery),
     * with {@code auth forward}'s credentials where {@code forwardsCredentials}.
     *
     * @throws InvalidConfigurationException naming {@code credentialsKeyFile} when its file holds no key
     */
    public static DeliveryNotices of(ForwardConfig config, boolean forwardsCredentials, MailetContext context, CredentialsVault vault,
                                     Clock clock) throws InvalidConfigurationException {
        Optional<ForwardedCredentials> credentials = forwardsCredentials
            ? Optional.of(ForwardedCredentials.of(vault, config.delivery()))
            : Optional.empty();
        return new DeliveryNotices(StatusReports.of(config, context, credentials, clock));
    }

    /** Sends the notices {@code delivered} recipients of {@code mail} are owed; never throws. */
    public void delivered(Mail mail, List<RecipientResult> delivered) {
        try {
            reports.delivered(mail, delivered);
        } catch (MessagingException | RuntimeException e) {
            LOGGER.error("mail {}: the success notice its sender asked for could not be sent", mail.getName(), e);
        }
    }
}
