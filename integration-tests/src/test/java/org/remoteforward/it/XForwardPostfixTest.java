package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XFORWARD against a real Postfix: where it trusts this relay with XFORWARD, its log records the
 * client that gave James the message ({@code orig_client=}) beside the relay; where it does not,
 * it does not offer XFORWARD and none is sent. Through the mailet and through the SMTP hooks.
 * (What each attribute carries is {@code XForwardTest}'s: on loopback the addresses are the same.)
 */
class XForwardPostfixTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: known@example.com\r\nSubject: xforward\r\n\r\nHello.\r\n";

    @TempDir
    Path dir;

    private static Map<String, String> forward(Postfix postfix) {
        return Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "heloName", "relay.test");
    }

    private static Postfix.Setup refusingNobody() {
        return Postfix.setup().refuseRecipient("nobody@example.com", "550 5.1.1 no such mailbox here");
    }

    /** A message to one recipient Postfix takes and one it refuses; then what Postfix logged. */
    private static String sendAndReadLog(ForwardingJames james, Postfix postfix) throws Exception {
        SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com", "nobody@example.com"),
            MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
        return postfix.log();
    }

    @Test
    void theMailetPassesTheClientOnToAPostfixThatTrustsIt() throws Exception {
        try (Postfix postfix = refusingNobody().authorizeXforward().start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(postfix),
                 ForwardingJames.Options.KEEP_FAILURES))) {
            String log = sendAndReadLog(james, postfix);
            // Postfix logs the client it was given beside the one it talks to (both loopback here); its refusals keep the real HELO
            assertThat(log).contains("client=localhost[127.0.0.1], orig_client=localhost[127.0.0.1]");
        }
    }

    @Test
    void aPostfixThatDoesNotTrustThisRelayRecordsTheRelay() throws Exception {
        try (Postfix postfix = refusingNobody().start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(postfix),
                 ForwardingJames.Options.KEEP_FAILURES))) {
            String log = sendAndReadLog(james, postfix);
            assertThat(log).contains("client=localhost[127.0.0.1]").doesNotContain("orig_client=");
        }
    }

    @Test
    void theSmtpHooksPassTheClientOnToo() throws Exception {
        try (Postfix postfix = refusingNobody().authorizeXforward().start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(postfix),
                 ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(forward(postfix)))) {
            // the client's RCPT hears the downstream's own reply here: only the recipient Postfix takes
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
            String log = postfix.log();
            assertThat(log).contains("orig_client=localhost[127.0.0.1]");
        }
    }
}
