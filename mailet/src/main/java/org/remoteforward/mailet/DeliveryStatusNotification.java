package org.remoteforward.mailet;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import javax.activation.DataHandler;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.util.ByteArrayDataSource;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;

/**
 * A delivery status notification (RFC 3464, multipart/report) telling the sender which recipients
 * could not be reached and, for each, what the downstream server said and which server it was.
 */
final class DeliveryStatusNotification {
    private DeliveryStatusNotification() {
    }

    /** @param clock the time the report is made at: its Date and Arrival-Date */
    static MimeMessage build(Mail original, List<RecipientResult> failed, String reportingMta, MailAddress postmaster, Clock clock)
        throws MessagingException {
        MimeMessage dsn = new MimeMessage(Session.getInstance(System.getProperties()));
        dsn.setFrom(new InternetAddress(postmaster.asString(), false));
        dsn.setRecipients(javax.mail.Message.RecipientType.TO, original.getMaybeSender().asString());
        dsn.setSubject("Undelivered Mail Returned to Sender", "UTF-8");
        dsn.setSentDate(Date.from(clock.instant()));
        dsn.setHeader("Auto-Submitted", "auto-replied");

        MimeMultipart report = new MimeMultipart("report") {
            {
                contentType = contentType + "; report-type=delivery-status";
            }
        };
        MimeBodyPart human = new MimeBodyPart();
        human.setText(explanation(original, failed), "UTF-8");
        report.addBodyPart(human);
        report.addBodyPart(part(status(original, failed, reportingMta, ZonedDateTime.now(clock)), "message/delivery-status"));
        report.addBodyPart(part(FoldedFields.fitLines(String.join("\r\n", Collections.list(original.getMessage().getAllHeaderLines())))
            + "\r\n", "text/rfc822-headers"));
        dsn.setContent(report);
        dsn.saveChanges();
        return dsn;
    }

    private static MimeBodyPart part(String text, String type) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(text.getBytes(StandardCharsets.UTF_8), type)));
        part.setHeader("Content-Type", type);
        return part;
    }

    private static String explanation(Mail original, List<RecipientResult> failed) {
        StringBuilder text = new StringBuilder("Your message could not be delivered to ")
            .append(failed.size() == 1 ? "one recipient" : failed.size() + " recipients").append(".\r\n\r\n");
        for (RecipientResult result : failed) {
            text.append("<").append(result.recipient()).append(">: ").append(oneLine(result.detail())).append("\r\n");
        }
        return text.append("\r\nThe headers of your message follow this report.\r\n").toString();
    }

    private static String status(Mail original, List<RecipientResult> failed, String reportingMta, ZonedDateTime now) {
        StringBuilder fields = new StringBuilder()
            .append(FoldedFields.field("Reporting-MTA", "dns; " + reportingMta))
            .append(FoldedFields.field("X-Original-Message-ID", oneLine(messageId(original))))
            .append(FoldedFields.field("Arrival-Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(now)));
        for (RecipientResult result : failed) {
            fields.append("\r\n")
                .append(FoldedFields.field("Final-Recipient", "rfc822; " + result.recipient()))
                .append(FoldedFields.field("Action", "failed"))
                .append(FoldedFields.field("Status", statusCode(result)));
            result.endpoint().ifPresent(endpoint -> fields.append(FoldedFields.field("Remote-MTA", mta(endpoint))));
            fields.append(FoldedFields.field("Diagnostic-Code", result.reply()
                .map(reply -> "smtp; " + oneLine(reply.toString()))
                .orElse("x-remote-forward; " + oneLine(result.detail()))));
        }
        return fields.toString();
    }

    /**
     * The server's enhanced code when it gave one; otherwise the class of its reply, or of the
     * failure. A temporary failure given up on keeps its 4.x.x code beside "Action: failed", as
     * RFC 3463 defines the class: "persistence of some temporary condition has caused abandonment"
     * (Postfix reports an expired mail the same way).
     */
    static String statusCode(RecipientResult result) {
        if (result.reply().isPresent()) {
            Reply reply = result.reply().get();
            return reply.enhancedStatus().map(Object::toString).orElse(reply.code() / 100 + ".0.0");
        }
        return result.outcome() == Outcome.PERMANENT_FAILURE ? "5.0.0" : "4.4.7";
    }

    private static String mta(Endpoint endpoint) {
        return endpoint.scheme() == Endpoint.Scheme.UNIX ? "x-unix; " + endpoint.socketPath() : "dns; " + endpoint.host();
    }

    private static String messageId(Mail original) {
        try {
            String id = original.getMessage().getMessageID();
            return id == null ? "none" : id;
        } catch (MessagingException e) {
            return "none";
        }
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ");
    }
}
