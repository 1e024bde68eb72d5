package org.remoteforward.sender;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one recipient.
 *
 * @param recipient the address as given in the envelope
 * @param outcome delivered, temporary or permanent failure
 * @param reply the downstream reply that decided it, when a server gave one
 * @param detail a sentence for logs and bounces: the reply in context, or the local cause
 * @param endpoint the endpoint that answered, when a connection was made
 * @param dsnTakenOver delivered to a server that advertised DSN and was given the recipient's DSN
 *     request: any notice from now on (success, delay, a later failure) is that server's to send
 */
public record RecipientResult(String recipient, Outcome outcome, Optional<Reply> reply, String detail,
                              Optional<Endpoint> endpoint, boolean dsnTakenOver) {
    public RecipientResult {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    /** A result no server took a DSN request for. */
    public RecipientResult(String recipient, Outcome outcome, Optional<Reply> reply, String detail, Optional<Endpoint> endpoint) {
        this(recipient, outcome, reply, detail, endpoint, false);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
