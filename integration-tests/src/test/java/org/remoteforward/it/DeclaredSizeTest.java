package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous forwarding in a real James passes on the SIZE its client declared (James keeps it
 * even though it does not advertise SIZE itself) with the Received field James adds counted in,
 * since that is what the downstream gets; a client declaring more than the downstream's limit is
 * refused with that limit before it sends its message.
 */
class DeclaredSizeTest {
    private static final byte[] MESSAGE = "From: sender@example.org\r\nSubject: size\r\n\r\nHello.\r\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static ForwardingJames james(RecordingDownstream downstream) throws Exception {
        return james(downstream.port());
    }

    private static ForwardingJames james(int port) throws Exception {
        Map<String, String> forward = Map.of("targets", "tcp://127.0.0.1:" + port, "starttls", "no", "heloName", "relay.test");
        return ForwardingJames.start(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
            .forwardingSynchronously(forward));
    }

    @Test
    void theDeclaredSizeIsTheClientsPlusTheReceivedFieldJamesAdds() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            downstream.advertiseSize(100_000);
            try (ForwardingJames james = james(downstream)) {
                SmtpClient.send(james.smtpPort(), null, null, "sender@example.org", List.of("known@example.com"), MESSAGE,
                    " SIZE=" + MESSAGE.length);
                assertThat(downstream.awaitTaken(1, 30)).containsEntry("known@example.com", 1);
                byte[] sent = downstream.messages().get(0);
                assertThat(new String(sent, StandardCharsets.UTF_8)).startsWith("Received: ");
                assertThat(sent.length).as("James's Received field came first").isGreaterThan(MESSAGE.length + 100);
                assertThat(downstream.mailCommands()).singleElement().asString()
                    .startsWith("MAIL FROM:<sender@example.org> SIZE=" + sent.length + " ");
            }
        }
    }

    @Test
    void aMessageThatFitsPostfixsLimitOnlyWithoutJamesFieldIsRefusedAtRcptAndOneJustUnderItIsDelivered() throws Exception {
        // measured once: the size of what James sends for this client's message, Received field included
        int sent;
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok"); ForwardingJames james = james(downstream)) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE);
            downstream.awaitTaken(1, 30);
            sent = downstream.messages().get(0).length;
        }
        // Postfix counts its own Received field and the envelope against message_size_limit too: room for those
        int limit = sent + 2000;
        try (Postfix postfix = Postfix.setup().messageSizeLimit(limit).start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            // the client's own size is under the limit; with James's field it is over
            assertThat(client.command("MAIL FROM:<sender@example.org> SIZE=" + (limit - 5))).startsWith("250");
            assertThat(client.command("RCPT TO:<known@example.com>")).as(postfix.log()).startsWith("552")
                .contains("5.3.4").contains("larger than the SIZE limit of " + limit);
            assertThat(client.command("RSET")).startsWith("250");
            // just under: the client declares its true size
            assertThat(client.command("MAIL FROM:<sender@example.org> SIZE=" + MESSAGE.length)).startsWith("250");
            assertThat(client.command("RCPT TO:<known@example.com>")).as(postfix.log()).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            assertThat(client.message(MESSAGE)).as(postfix.log()).startsWith("250");
            assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
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
                    .contains("5.3.4 declared message of ").contains(" bytes is larger than the SIZE limit of 1000 bytes");
                assertThat(downstream.mailCommands()).as("no MAIL FROM went downstream").isEmpty();
            }
        }
    }
}
