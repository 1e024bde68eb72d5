package org.remoteforward.sender;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One result per distinct envelope recipient, in envelope order, and the endpoint the transaction
 * talked to.
 *
 * @param recipients every recipient's result
 * @param endpoint the endpoint a session was opened to; empty when none could be used
 */
public record DeliveryResult(List<RecipientResult> recipients, Optional<Endpoint> endpoint) {
    public DeliveryResult {
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(endpoint, "endpoint");
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

    /** The same result for {@code subset} of the recipients only. */
    public DeliveryResult only(Collection<String> subset) {
        Set<String> wanted = Set.copyOf(subset);
        return new DeliveryResult(recipients.stream().filter(r -> wanted.contains(r.recipient())).toList(), endpoint);
    }
}
