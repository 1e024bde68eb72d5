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

/** A real James with RemoteForwardMailet delivering over LMTP to a real Dovecot. */
class DovecotLmtpForwardingTest {
    private static final String MESSAGE = "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <lmtp-1@example.org>\r\n"
        + "From: sender@example.org\r\nTo: known@example.com\r\nSubject: to the mailbox\r\n\r\nHello Dovecot.\r\n.dot line\r\n";

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private void oneKnownOneUnknown(Dovecot dovecot, Map<String, String> parameters) throws Exception {
        try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(
            CollectingMailet.collectingFailures(parameters), CollectingMailet.XML))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com", "unknown@example.com"),
                MESSAGE.getBytes(StandardCharsets.UTF_8));

            CollectingMailet.Collected failed = CollectingMailet.next();
            assertThat(failed.recipients()).containsExactly("unknown@example.com");
            Map<String, Object> unknown = failed.failures().get("unknown@example.com");
            assertThat(unknown).containsEntry("outcome", "permanent").containsEntry("code", 550).containsEntry("enhancedStatus", "5.1.1");
            assertThat((String) unknown.get("text")).containsIgnoringCase("doesn't exist");
            assertThat((String) unknown.get("detail")).contains("RCPT TO");

            List<Path> delivered = dovecot.awaitMessages("known", 1);
            assertThat(delivered).as(dovecot.log()).hasSize(1);
            String stored = Files.readString(delivered.get(0), StandardCharsets.UTF_8);
            assertThat(stored).startsWith("Return-Path: <sender@example.org>\n");
            assertThat(stored).contains("Delivered-To: known@example.com\n");
            // Dovecot stores LF line ends; everything James held arrives unchanged
            assertThat(stored).endsWith(MESSAGE.replace("\r\n", "\n"));
        }
    }

    @Test
    void overTheUnixSocketFromTheSample() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"))) {
            oneKnownOneUnknown(dovecot, ConfSamples.parameters("lmtp-dovecot-unix-socket.xml",
                Map.of("targets", "unix://" + dovecot.lmtpSocket(), "heloName", "relay.test")));
        }
    }

    @Test
    void aPermanentFailureComesBackToTheSenderAsADsnThroughJames() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of("protocol", "lmtp",
                 "targets", "tcp://127.0.0.1:" + dovecot.lmtpPort(), "heloName", "relay.test"), CollectingMailet.XML))) {
            // known@example.com writes to nobody: the DSN goes back through James and lands in known's own mailbox
            SmtpClient.send(james.smtpPort(), "known@example.com", List.of("nobody@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = dovecot.awaitMessages("known", 1);
            assertThat(delivered).as(dovecot.log()).hasSize(1);
            String dsn = Files.readString(delivered.get(0), StandardCharsets.UTF_8);
            assertThat(dsn).contains("Return-Path: <>")
                .contains("multipart/report").contains("report-type=delivery-status")
                .contains("Final-Recipient: rfc822; nobody@example.com")
                .contains("Status: 5.1.1")
                .contains("Remote-MTA: dns; 127.0.0.1")
                .containsPattern("Diagnostic-Code: smtp; 550 5.1.1 .*nobody@example.com")
                .contains("Subject: to the mailbox");
        }
    }

    @Test
    void overTcp() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"))) {
            oneKnownOneUnknown(dovecot, Map.of("protocol", "lmtp", "targets", "tcp://127.0.0.1:" + dovecot.lmtpPort(), "heloName", "relay.test"));
        }
    }
}
