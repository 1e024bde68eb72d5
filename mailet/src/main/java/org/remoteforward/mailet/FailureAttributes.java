package org.remoteforward.mailet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;

/**
 * The attribute a mail carries to the error processor: for each failed recipient, whether the
 * failure is temporary or permanent and what the downstream said.
 *
 * <p>{@value #NAME} maps each recipient address to a map with {@code outcome}
 * ({@code temporary} or {@code permanent}), {@code detail} (a sentence naming the endpoint and the
 * step), and when known {@code endpoint}, and, when a server replied, {@code code} (integer),
 * {@code enhancedStatus} (e.g. {@code 5.1.1}), {@code text} and {@code reply} (code and text as sent).
 * Only strings, integers and maps: it survives any James mail queue's serialization.
 */
public final class FailureAttributes {
    public static final String NAME = "org.remoteforward.failures";
    public static final AttributeName FAILURES = AttributeName.of(NAME);

    private FailureAttributes() {
    }

    /** The attribute describing each failed recipient. */
    public static Attribute of(List<RecipientResult> failures) {
        Map<String, AttributeValue<?>> byRecipient = new LinkedHashMap<>();
        for (RecipientResult failure : failures) {
            byRecipient.put(failure.recipient(), AttributeValue.of(describe(failure)));
        }
        return new Attribute(FAILURES, AttributeValue.of(byRecipient));
    }

    private static Map<String, AttributeValue<?>> describe(RecipientResult failure) {
        Map<String, AttributeValue<?>> fields = new LinkedHashMap<>();
        fields.put("outcome", AttributeValue.of(failure.outcome() == Outcome.PERMANENT_FAILURE ? "permanent" : "temporary"));
        fields.put("detail", AttributeValue.of(failure.detail()));
        failure.endpoint().ifPresent(endpoint -> fields.put("endpoint", AttributeValue.of(endpoint.toString())));
        failure.serverReply().ifPresent(reply -> putReply(fields, reply));
        return fields;
    }

    private static void putReply(Map<String, AttributeValue<?>> fields, Reply reply) {
        fields.put("code", AttributeValue.of(reply.code()));
        reply.enhancedStatus().ifPresent(status -> fields.put("enhancedStatus", AttributeValue.of(status.toString())));
        fields.put("text", AttributeValue.of(reply.text()));
        fields.put("reply", AttributeValue.of(reply.toString()));
    }
}
