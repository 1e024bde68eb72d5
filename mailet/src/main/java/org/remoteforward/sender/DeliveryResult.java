package org.remoteforward.sender;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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

    /**
     * The failed recipients for a log line, those that failed alike together, each cause once:
     * {@code a@x, b@x (temporary: why); c@x (permanent: why)}. Addresses and causes by
     * {@link PrintableText}'s rule: a reply of a few MB shared by 25 recipients is logged once, cut.
     */
    public String failedForLog() {
        Map<String, List<String>> byCause = new LinkedHashMap<>();
        for (RecipientResult failed : failed()) {
            String cause = failed.outcome().name().toLowerCase(Locale.ROOT).replace("_failure", "") + ": " + PrintableText.line(failed.detail());
            byCause.computeIfAbsent(cause, c -> new ArrayList<>()).add(PrintableText.address(failed.recipient()));
        }
        return byCause.entrySet().stream().map(e -> String.join(", ", e.getValue()) + " (" + e.getKey() + ")")
            .collect(Collectors.joining("; "));
    }

    /**
     * Every endpoint that decided a recipient, the transaction's first, in order: more than one
     * when recipients went on to further targets ({@code failover temporary}).
     */
    public List<Endpoint> endpointsUsed() {
        Set<Endpoint> used = new LinkedHashSet<>();
        endpoint.ifPresent(used::add);
        recipients.forEach(recipient -> recipient.endpoint().ifPresent(used::add));
        return List.copyOf(used);
    }

    /** The same result for {@code subset} of the recipients only. */
    public DeliveryResult only(Collection<String> subset) {
        Set<String> wanted = Set.copyOf(subset);
        return new DeliveryResult(recipients.stream().filter(r -> wanted.contains(r.recipient())).toList(), endpoint);
    }
}
