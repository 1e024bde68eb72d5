package org.remoteforward.it;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.remoteforward.mailet.FailureAttributes;

/** The error processor of the integration tests: remembers each mail that reaches it, then ghosts it. */
public class CollectingMailet extends GenericMailet {
    static final String XML = "      <mailet match=\"All\" class=\"" + CollectingMailet.class.getName() + "\"/>";

    /** What the test needs of a failed mail: its recipients and, per recipient, the failure fields. */
    record Collected(List<String> recipients, Map<String, Map<String, Object>> failures, String errorMessage) {
    }

    private static final LinkedBlockingQueue<Collected> COLLECTED = new LinkedBlockingQueue<>();

    /**
     * The mailet parameters with failures made visible at once: no retries, and what would be
     * bounced handed to the error processor, where this mailet collects it.
     */
    static Map<String, String> collectingFailures(Map<String, String> parameters) {
        Map<String, String> all = new LinkedHashMap<>(parameters);
        all.putIfAbsent("maxRetries", "0");
        all.putIfAbsent("bounceProcessor", "error");
        return all;
    }

    static void clear() {
        COLLECTED.clear();
    }

    static Collected next() throws InterruptedException {
        Collected collected = COLLECTED.poll(60, TimeUnit.SECONDS);
        if (collected == null) {
            throw new AssertionError("no mail reached the error processor within 60s");
        }
        return collected;
    }

    /** What reached the error processor so far, without waiting. */
    static List<Collected> collected() {
        return List.copyOf(COLLECTED);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void service(Mail mail) {
        Map<String, Map<String, Object>> failures = new LinkedHashMap<>();
        mail.getAttribute(FailureAttributes.FAILURES).ifPresent(attribute -> {
            Map<String, AttributeValue<?>> byRecipient = (Map<String, AttributeValue<?>>) attribute.getValue().getValue();
            byRecipient.forEach((recipient, value) -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                ((Map<String, AttributeValue<?>>) value.getValue()).forEach((key, field) -> fields.put(key, field.getValue()));
                failures.put(recipient, fields);
            });
        });
        COLLECTED.add(new Collected(mail.getRecipients().stream().map(MailAddress::asString).toList(), failures, mail.getErrorMessage()));
        mail.setState(Mail.GHOST);
    }
}
