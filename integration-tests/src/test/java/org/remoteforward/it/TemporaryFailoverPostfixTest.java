package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code failover temporary} in a real James against two real Postfix: what the first defers
 * with a 4xx, at RCPT or at the end of the message, the second takes in the same attempt, and
 * the first keeps what it accepted.
 */
class TemporaryFailoverPostfixTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: bob@example.com, carol@example.com\r\n"
        + "Subject: failover\r\n\r\nTo whichever relay takes it.\r\n";

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private static ForwardingJames james(Postfix first, Postfix second) throws Exception {
        Map<String, String> parameters = Map.of("targets", "tcp://127.0.0.1:" + first.smtpPort() + " tcp://127.0.0.1:" + second.smtpPort(),
            "starttls", "no", "heloName", "relay.test", "failover", "temporary");
        return ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(parameters), CollectingMailet.XML));
    }

    private static void sendToBobAndCarol(ForwardingJames james) throws Exception {
        SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com", "carol@example.com"),
            MESSAGE.getBytes(StandardCharsets.UTF_8));
    }

    private static String deliveredTo(Path file) throws Exception {
        String mail = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(mail).endsWith(MESSAGE.replace("\r\n", "\n"));
        return mail.lines().filter(line -> line.startsWith("Delivered-To: ")).findFirst().orElseThrow();
    }

    @Test
    void aRecipientTheFirstPostfixDefersAtRcptGoesToTheSecond() throws Exception {
        try (Postfix first = Postfix.setup().refuseRecipient("carol@example.com", "451 4.7.1 greylisted, come back later")
                 .start(dir.resolve("first"));
             Postfix second = Postfix.setup().start(dir.resolve("second"));
             ForwardingJames james = james(first, second)) {
            sendToBobAndCarol(james);

            List<Path> atSecond = second.awaitMessages(1);
            assertThat(atSecond).as(second.log()).hasSize(1);
            assertThat(deliveredTo(atSecond.get(0))).isEqualTo("Delivered-To: carol@example.com");
            List<Path> atFirst = first.awaitMessages(1);
            assertThat(atFirst).as(first.log()).hasSize(1);
            assertThat(deliveredTo(atFirst.get(0))).isEqualTo("Delivered-To: bob@example.com");
            assertThat(first.log()).contains("451 4.7.1 <carol@example.com>");
            // nothing waits for a retry, nothing failed
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }

    @Test
    void aMessageTheFirstPostfixDefersAtTheEndOfDataGoesWholeToTheSecond() throws Exception {
        try (Postfix first = Postfix.setup().refuseAtEndOfData("sender@example.org", "451 4.3.0 try again later")
                 .start(dir.resolve("first"));
             Postfix second = Postfix.setup().start(dir.resolve("second"));
             ForwardingJames james = james(first, second)) {
            sendToBobAndCarol(james);

            List<Path> atSecond = second.awaitMessages(2);
            assertThat(atSecond).as(second.log()).hasSize(2);
            assertThat(List.of(deliveredTo(atSecond.get(0)), deliveredTo(atSecond.get(1))))
                .containsExactlyInAnyOrder("Delivered-To: bob@example.com", "Delivered-To: carol@example.com");
            assertThat(first.log()).contains("451 4.3.0 <sender@example.org>");
            assertThat(first.awaitMessages(0)).as("the first kept nothing it deferred").isEmpty();
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }
}
