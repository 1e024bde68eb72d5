package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Synchronous forwarding in a real James passes on the SIZE its client declared (James keeps it
 * even though it does not advertise SIZE itself), and a client declaring more than the
 * downstream's limit is refused with that limit before it sends its message.
 */
class DeclaredSizeTest {
    private static final byte[] MESSAGE = "From: sender@example.org\r\nSubject: size\r\n\r\nHello.\r\n".getBytes(StandardCharsets.UTF_8);

    private static ForwardingJames james(RecordingDownstream downstream) throws Exception {
        Map<String, String> forward = Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no", "heloName", "relay.test");
        return ForwardingJames.start(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
            .forwardingSynchronously(forward));
    }

    @Test
    void theClientsDeclaredSizeGoesOnTheDownstreamsMailFrom() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            downstream.advertiseSize(10_000);
            try (ForwardingJames james = james(downstream)) {
                SmtpClient.send(james.smtpPort(), null, null, "sender@example.org", List.of("known@example.com"), MESSAGE, " SIZE=120");
                assertThat(downstream.awaitTaken(1, 30)).containsEntry("known@example.com", 1);
                assertThat(downstream.mailCommands()).singleElement().asString().startsWith("MAIL FROM:<sender@example.org> SIZE=120");
            }
        }
    }

    @Test
    void aClientDeclaringMoreThanTheDownstreamTakesIsRefusedWithItsLimit() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            downstream.advertiseSize(1000);
            try (ForwardingJames james = james(downstream); SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                assertThat(client.command("EHLO client.example")).startsWith("250");
                assertThat(client.command("MAIL FROM:<sender@example.org> SIZE=5000")).startsWith("250");
                assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("552")
                    .contains("5.3.4 declared message of 5000 bytes is larger than the SIZE limit of 1000 bytes");
                assertThat(downstream.mailCommands()).as("no MAIL FROM went downstream").isEmpty();
            }
        }
    }
}
