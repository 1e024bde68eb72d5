package org.remoteforward.mailet;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
import org.remoteforward.sender.DsnRequest;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;

/**
 * A delivery status notification (RFC 3464, multipart/report) telling the sender what became of
 * some recipients and, for each, what the downstream server said and which server it was: that
 * they could not be reached ({@code failed}), or, where the sender asked for success notices and
 * the downstream could not take that request on, that they were {@code relayed} (or
 * {@code delivered}, over LMTP). It honours the sender's DSN request (RFC 3461): its ENVID as
 * {@code Original-Envelope-Id}, each ORCPT as {@code Original-Recipient}, and with RET=FULL a
 * failure report returns the whole message; otherwise (RET=HDRS, no RET, any success report) its
 * header.
 */
final class DeliveryStatusNotification {
    /** What the report says became of its recipients (RFC 3464 2.3.3). */
    enum Action {
        FAILED, DELIVERED, RELAYED;

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private DeliveryStatusNotification() {
    }

    /**
     * The report of recipients that will not get the message.
     *
     * @param clock the time the report is made at: its Date and Arrival-Date
     */
    static MimeMessage failed(Mail original, List<RecipientResult> failed, DsnRequest dsn, String reportingMta, MailAddress postmaster,
                              Clock clock) throws MessagingException {
        return build(original, failed, Action.FAILED, dsn, reportingMta, postmaster, clock);
    }

    /** The report of recipients the message went to, for a sender that asked to hear of it. */
    static MimeMessage succeeded(Mail original, List<RecipientResult> delivered, Action action, DsnRequest dsn, String reportingMta,
                                 MailAddress postmaster, Clock clock) throws MessagingException {
        if (action == Action.FAILED) {
            throw new IllegalArgumentException("a success report says delivered or relayed");
        }
        return build(original, delivered, action, dsn, reportingMta, postmaster, clock);
    }

    private static MimeMessage build(Mail original, List<RecipientResult> results, Action action, DsnRequest dsn, String reportingMta,
                                     MailAddress postmaster, Clock clock) throws MessagingException {
        MimeMessage report = new MimeMessage(Session.getInstance(System.getProperties()));
        report.setFrom(new InternetAddress(postmaster.asString(), false));
        report.setRecipients(javax.mail.Message.RecipientType.TO, original.getMaybeSender().asString());
        report.setSubject(action == Action.FAILED ? "Undelivered Mail Returned to Sender" : "Successful Mail Delivery Report", "UTF-8");
        report.setSentDate(Date.from(clock.instant()));
        report.setHeader("Auto-Submitted", "auto-replied");

        MimeMultipart parts = new MimeMultipart("report") {
            {
                contentType = contentType + "; report-type=delivery-status";
            }
        };
        boolean wholeMessage = action == Action.FAILED && dsn.ret().equals(Optional.of(DsnRequest.Return.FULL));
        MimeBodyPart human = new MimeBodyPart();
        human.setText(explanation(results, action, wholeMessage), "UTF-8");
        parts.addBodyPart(human);
        parts.addBodyPart(part(status(original, results, action, dsn, reportingMta, ZonedDateTime.now(clock)), "message/delivery-status"));
        parts.addBodyPart(wholeMessage ? wholeMessage(original) : headers(original));
        report.setContent(parts);
        report.saveChanges();
        return report;
    }

    private static MimeBodyPart headers(Mail original) throws MessagingException {
        return part(FoldedFields.fitLines(String.join("\r\n", Collections.list(original.getMessage().getAllHeaderLines()))) + "\r\n",
            "text/rfc822-headers");
    }

    /**
     * The message as James holds it, streamed when the report is written. RFC 2046 5.2.1 allows
     * message/rfc822 no encoding but 7bit, 8bit or binary: 8bit covers what this relay sends (its
     * lines are within 998 octets, or it would not have tried to send it).
     */
    private static MimeBodyPart wholeMessage(Mail original) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(original.getMessage(), "message/rfc822"));
        part.setHeader("Content-Type", "message/rfc822");
        part.setHeader("Content-Transfer-Encoding", "8bit");
        return part;
    }

    private static MimeBodyPart part(String text, String type) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(text.getBytes(StandardCharsets.UTF_8), type)));
        part.setHeader("Content-Type", type);
        return part;
    }

    private static String explanation(List<RecipientResult> results, Action action, boolean wholeMessage) {
        String count = results.size() == 1 ? "one recipient" : results.size() + " recipients";
        StringBuilder text = new StringBuilder(switch (action) {
            case FAILED -> "Your message could not be delivered to " + count + ".";
            case DELIVERED -> "Your message was delivered to " + count + ".";
            case RELAYED -> "Your message was passed on to " + count + " by a server that does not send delivery notifications:"
                + " this is the last notice you will get for " + (results.size() == 1 ? "it." : "them.");
        }).append("\r\n\r\n");
        for (RecipientResult result : results) {
            text.append("<").append(printable(result.recipient())).append(">: ").append(printable(result.detail())).append("\r\n");
        }
        return text.append("\r\n").append(wholeMessage ? "Your message follows this report." : "The headers of your message follow this report.")
            .append("\r\n").toString();
    }

    private static String status(Mail original, List<RecipientResult> results, Action action, DsnRequest dsn, String reportingMta,
                                 ZonedDateTime now) {
        StringBuilder fields = new StringBuilder();
        dsn.envelopeId().ifPresent(envelopeId -> fields.append(FoldedFields.field("Original-Envelope-Id", printable(envelopeId))));
        fields.append(FoldedFields.field("Reporting-MTA", "dns; " + reportingMta))
            .append(FoldedFields.field("X-Original-Message-ID", printable(messageId(original))))
            .append(FoldedFields.field("Arrival-Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(now)));
        for (RecipientResult result : results) {
            fields.append("\r\n");
            dsn.recipient(result.recipient()).originalRecipient()
                .ifPresent(address -> fields.append(FoldedFields.field("Original-Recipient", "rfc822; " + printable(address))));
            fields.append(FoldedFields.field("Final-Recipient", "rfc822; " + printable(result.recipient())))
                .append(FoldedFields.field("Action", action.field()))
                .append(FoldedFields.field("Status", statusCode(result)));
            result.endpoint().ifPresent(endpoint -> fields.append(FoldedFields.field("Remote-MTA", mta(endpoint))));
            fields.append(FoldedFields.field("Diagnostic-Code", result.serverReply()
                .map(reply -> "smtp; " + printable(reply.toString()))
                .orElse("x-remote-forward; " + printable(result.detail()))));
        }
        return fields.toString();
    }

    /**
     * The enhanced code of the reply that decided the recipient: the server's when a server
     * answered, else the refusal's own, which names its cause (5.3.4 over the SIZE limit, 4.4.1
     * no endpoint reachable, 5.7.1 sender routing); without one, that reply's class. A temporary
     * failure given up on keeps its 4.x.x code beside "Action: failed", as RFC 3463 defines the
     * class: "persistence of some temporary condition has caused abandonment" (Postfix reports an
     * expired mail the same way), and a server's 5xx taken as temporary keeps its own (552 5.2.2,
     * mailbox full). A reply that cannot report the outcome (a 3xx a server sent where none
     * belongs, a 2xx for a failure) gives the outcome's class instead.
     */
    static String statusCode(RecipientResult result) {
        Reply decided = result.serverReply().orElse(result.reply());
        int replyClass = decided.code() / 100;
        boolean reportsOutcome = result.outcome() == Outcome.DELIVERED ? replyClass == 2 : replyClass == 4 || replyClass == 5;
        if (reportsOutcome) {
            return decided.enhancedStatus().map(Object::toString).orElse(replyClass + ".0.0");
        }
        return switch (result.outcome()) {
            case DELIVERED -> "2.0.0";
            case PERMANENT_FAILURE -> "5.0.0";
            default -> "4.4.7";
        };
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

    /**
     * One line of text a field can carry ({@link PrintableText}'s rule): nothing the client or the
     * downstream sent (an ENVID that decodes to CRLF, a quoted local part with line breaks, a 4 MB
     * reply) can add a field of its own or grow the report past a few KiB a recipient.
     */
    private static String printable(String text) {
        return PrintableText.line(text);
    }
}
