package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code maxRecipientsPerMessage} and {@code maxMessagesPerMinute} in a real James against a real
 * Postfix: what Postfix's own queue manager logs of each message it was given, and what a client
 * of the synchronous hooks hears at the rate limit.
 */
class SendLimitsPostfixTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: many@example.com\r\nSubject: limits\r\n\r\nCounted.\r\n";

    @TempDir
    Path dir;

    private static Map<String, String> forward(Postfix postfix, String... limits) {
        Map<String, String> parameters = new java.util.HashMap<>(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(),
            "starttls", "no", "heloName", "relay.test"));
        for (int i = 0; i < limits.length; i += 2) {
            parameters.put(limits[i], limits[i + 1]);
        }
        return parameters;
    }

    /** How many messages of each recipient count Postfix's queue manager took in. */
    private static List<Integer> recipientCounts(String log) {
        Matcher matcher = Pattern.compile("qmgr\\[\\d+\\]: \\w+: from=<sender@example.org>, size=\\d+, nrcpt=(\\d+) \\(queue active\\)").matcher(log);
        List<Integer> counts = new java.util.ArrayList<>();
        while (matcher.find()) {
            counts.add(Integer.parseInt(matcher.group(1)));
        }
        return counts;
    }

    @Test
    void theMailetGivesPostfixNoMoreRecipientsAMessageThanTheLimit() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(postfix, "maxRecipientsPerMessage", "2"),
                 ForwardingJames.Options.KEEP_FAILURES))) {
            List<String> five = List.of("r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com", "r5@example.com");
            SmtpClient.send(james.smtpPort(), "sender@example.org", five, MESSAGE.getBytes(StandardCharsets.UTF_8));

            assertThat(postfix.awaitMessages(5)).as(postfix.log()).hasSize(5);
            assertThat(recipientCounts(postfix.log())).as(postfix.log()).containsExactlyInAnyOrder(2, 2, 1);
        }
    }

    @Test
    void aHooksClientPastTheRateIsAnswered451NamingTheLimitAndPostfixSeesNothingOfIt() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(postfix),
                 ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(forward(postfix, "maxMessagesPerMinute", "1")))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("first@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                assertThat(client.command("EHLO client.example")).startsWith("250");
                assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                String rcpt = client.command("RCPT TO:<second@example.com>");
                assertThat(rcpt).startsWith("451").contains("4.7.0").contains("maxMessagesPerMinute");
                assertThat(client.command("QUIT")).startsWith("221");
            }
            assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
            assertThat(postfix.log()).doesNotContain("second@example.com");
        }
    }
}
