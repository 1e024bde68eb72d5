package org.remoteforward.mailet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.mail.MessagingException;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;

/**
 * Hands failed recipients to a James processor: a copy of the mail addressed to them only,
 * carrying why each failed ({@value FailureAttributes#NAME}, James's {@code delivery-error} and
 * the error message), so a bounce mailet or a retrying RemoteForwardMailet can take it from there.
 */
public final class FailedRecipients {
    static final AttributeName DELIVERY_ERROR = AttributeName.of("delivery-error");
    /** James's RemoteDelivery names: DSNBounce, IsRemoteDeliveryPermanentError and IsRemoteDeliveryTemporaryError read them. */
    static final AttributeName DELIVERY_ERROR_CODE = AttributeName.of("delivery-error-code");
    static final AttributeName IS_DELIVERY_PERMANENT_ERROR = AttributeName.of("is-delivery-permanent-error");

    private FailedRecipients() {
    }

    /** Sends a copy of {@code mail} for the {@code failed} recipients into {@code processor}; its {@code delivery-error} says why each failed. */
    public static void handTo(MailetContext context, Mail mail, List<RecipientResult> failed, String processor) throws MessagingException {
        String summary = summary(failed);
        MailCopies.send(context, mail, failed, processor, copy -> {
            copy.setAttribute(FailureAttributes.of(failed));
            copy.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(summary)));
            copy.setErrorMessage(summary);
        });
    }

    /**
     * Sends the {@code failed} recipients into a bounce processor the way James's own bounce
     * mailets read them: DSNBounce writes one {@code delivery-error} into the {@code Status:} of
     * every recipient of the mail it is given, so each copy holds the recipients of one enhanced
     * status and one outcome, with {@code delivery-error} that status (a copy with the whole reply
     * text there would make a report with an unreadable Status), {@code delivery-error-code} the
     * reply code where every recipient of the copy got the same, and
     * {@code is-delivery-permanent-error}. The whole story stays in {@value FailureAttributes#NAME}
     * and the error message; James's DSN attributes go with the copy, for DSNFailureRequested and
     * DSNBounce to honour.
     */
    static void bounceThrough(MailetContext context, Mail mail, List<RecipientResult> failed, String processor) throws MessagingException {
        Map<String, List<RecipientResult>> byStatus = failed.stream().collect(Collectors.groupingBy(
            result -> DeliveryStatusNotification.statusCode(result) + "/" + result.outcome(), LinkedHashMap::new, Collectors.toList()));
        for (List<RecipientResult> group : byStatus.values()) {
            String summary = summary(group);
            Optional<Integer> code = sameCode(group);
            MailCopies.send(context, mail, group, processor, copy -> {
                copy.setAttribute(FailureAttributes.of(group));
                copy.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(DeliveryStatusNotification.statusCode(group.get(0)))));
                code.ifPresent(value -> copy.setAttribute(new Attribute(DELIVERY_ERROR_CODE, AttributeValue.of(value))));
                copy.setAttribute(new Attribute(IS_DELIVERY_PERMANENT_ERROR,
                    AttributeValue.of(group.get(0).outcome() == Outcome.PERMANENT_FAILURE)));
                copy.setErrorMessage(summary);
            });
        }
    }

    private static Optional<Integer> sameCode(List<RecipientResult> group) {
        List<Integer> codes = group.stream().map(result -> result.serverReply().map(Reply::code).orElse(-1)).distinct().toList();
        return codes.size() == 1 && codes.get(0) > 0 ? Optional.of(codes.get(0)) : Optional.empty();
    }

    private static String summary(List<RecipientResult> failed) {
        return failed.stream().map(r -> r.recipient() + ": " + r.detail()).collect(Collectors.joining("; "));
    }
}
