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
 * Never an open relay by syntax. James decides relaying by a recipient's domain only, so for its
 * local domain example.com it takes {@code victim%evil.org@example.com}, {@code
 * evil.org!victim@example.com} and {@code "victim@evil.org"@example.com} from anyone; a downstream
 * that trusts James would route them on to evil.org. They never reach the downstream (a real
 * Postfix with its default routing settings): the mailet fails them for good, synchronous
 * forwarding refuses them at RCPT.
 */
class SenderRoutingTest {
    private static final List<String> ROUTED = List.of("victim%evil.org@example.com", "evil.org!victim@example.com",
        "\"victim@evil.org\"@example.com");
    private static final String MESSAGE = "From: sender@example.org\r\nTo: known@example.com\r\nSubject: routing\r\n\r\nHello.\r\n";

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    /** A James whose loopback clients may not relay, with example.com as its own domain (where known@ lives). */
    private ForwardingJames james(int postfixPort, Map<String, String> synchronous) throws Exception {
        int port = Daemons.freePort();
        Path conf = JamesConfFolder.write(dir.resolve("template"), port, CollectingMailet.collectingFailures(Map.of(
            "targets", "tcp://127.0.0.1:" + postfixPort, "starttls", "no", "heloName", "relay.test")), CollectingMailet.XML, synchronous);
        Path smtpserver = conf.resolve("smtpserver.xml");
        Files.writeString(smtpserver, Files.readString(smtpserver).replace("<authorizedAddresses>127.0.0.0/8</authorizedAddresses>",
            "<authorizedAddresses>192.0.2.1/32</authorizedAddresses>"));
        return ForwardingJames.start(ForwardingJames.Options.ofConf(conf, port).withUsers(Map.of("known@example.com", "secret")));
    }

    @Test
    void theMailetFailsSenderRoutedRecipientsForGoodAndTheDownstreamNeverHearsOfThem() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            assertThat(client.command("RCPT TO:<victim@evil.org>")).as("James's own relay check").startsWith("530");
            for (String routed : ROUTED) {
                assertThat(client.command("RCPT TO:<" + routed + ">")).as("James takes %s: its domain is local", routed).startsWith("250");
            }
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            client.command("DATA");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");

            CollectingMailet.Collected failed = CollectingMailet.next();
            assertThat(failed.recipients()).containsExactlyInAnyOrderElementsOf(ROUTED);
            for (String routed : ROUTED) {
                assertThat(failed.failures().get(routed)).containsEntry("outcome", "permanent");
                assertThat((String) failed.failures().get(routed).get("detail")).contains("sender-specified routing")
                    .contains("allowSenderRouting");
            }
            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(Files.readString(delivered.get(0))).contains("Delivered-To: known@example.com");
            Thread.sleep(2000);
            assertThat(postfix.awaitMessages(0)).hasSize(1);
            assertThat(postfix.log()).as("what Postfix heard").doesNotContain("evil.org");
        }
    }

    @Test
    void synchronousForwardingRefusesSenderRoutedRecipientsAtRcptWith571() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(),
                 "starttls", "no", "heloName", "relay.test", "reuseConnections", "no"));
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            for (String routed : ROUTED) {
                assertThat(client.command("RCPT TO:<" + routed + ">")).as(routed).startsWith("550 5.7.1")
                    .contains("sender-specified routing");
            }
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            client.command("DATA");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");

            assertThat(postfix.awaitMessages(1)).hasSize(1);
            assertThat(postfix.log()).as("what Postfix heard").doesNotContain("evil.org");
        }
    }
}
