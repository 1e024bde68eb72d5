package org.remoteforward.sender;

import java.util.List;

/**
 * One result per distinct envelope recipient, in envelope order.
 *
 * @param recipients every recipient's result
 */
public record DeliveryResult(List<RecipientResult> recipients) {
    public DeliveryResult {
        recipients = List.copyOf(recipients);
    }

    public List<RecipientResult> delivered() {
        return recipients.stream().filter(RecipientResult::delivered).toList();
    }

    public List<RecipientResult> failed() {
        return recipients.stream().filter(r -> !r.delivered()).toList();
    }

    public RecipientResult of(String recipient) {
        return recipients.stream().filter(r -> r.recipient().equals(recipient)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no result for " + recipient));
    }
}
