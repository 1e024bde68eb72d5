package org.remoteforward.sender;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tracks each recipient from pending to decided, so that whatever breaks mid-transaction, every
 * recipient still undecided gets an outcome and none is decided twice.
 */
final class ResultLedger {
    private final Map<String, RecipientResult> decided = new LinkedHashMap<>();
    private final List<String> order;
    private Endpoint endpoint;

    ResultLedger(List<String> recipients) {
        this.order = recipients.stream().distinct().toList();
    }

    void endpoint(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    List<String> pending() {
        return order.stream().filter(r -> !decided.containsKey(r)).toList();
    }

    void delivered(String recipient, Reply reply) {
        decide(recipient, Outcome.DELIVERED, Optional.of(reply), reply.toString());
    }

    /** Decides from a negative reply: 4xx temporary, 5xx permanent; {@code step} says what was refused. */
    void refused(String recipient, Reply reply, String step) {
        Outcome outcome = reply.isPermanent() ? Outcome.PERMANENT_FAILURE : Outcome.TEMPORARY_FAILURE;
        decide(recipient, outcome, Optional.of(reply), where() + " answered " + step + " with " + reply);
    }

    void failed(String recipient, Outcome outcome, String cause) {
        decide(recipient, outcome, Optional.empty(), cause);
    }

    void refusedAllPending(Reply reply, String step) {
        pending().forEach(r -> refused(r, reply, step));
    }

    void failAllPending(Outcome outcome, String cause) {
        pending().forEach(r -> failed(r, outcome, cause));
    }

    /**
     * Decides the accepted recipients from the replies after the message: LMTP gives one per
     * accepted recipient, in order; SMTP one for all.
     */
    SmtpSession.ReplyHandler finalReplies(Protocol protocol, List<String> accepted) {
        Iterator<String> owners = accepted.iterator();
        return reply -> {
            for (String recipient : protocol == Protocol.LMTP ? List.of(owners.next()) : accepted) {
                if (reply.isPositive()) {
                    delivered(recipient, reply);
                } else {
                    refused(recipient, reply, "the message");
                }
            }
        };
    }

    private String where() {
        return endpoint == null ? "server" : endpoint.toString();
    }

    private void decide(String recipient, Outcome outcome, Optional<Reply> reply, String detail) {
        if (decided.containsKey(recipient)) {
            throw new IllegalStateException(recipient + " is already decided");
        }
        decided.put(recipient, new RecipientResult(recipient, outcome, reply, detail, Optional.ofNullable(endpoint)));
    }

    DeliveryResult result() {
        List<RecipientResult> results = new ArrayList<>();
        for (String recipient : order) {
            RecipientResult result = decided.get(recipient);
            if (result == null) {
                throw new IllegalStateException(recipient + " was left undecided");
            }
            results.add(result);
        }
        return new DeliveryResult(results);
    }
}
