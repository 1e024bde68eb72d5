package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real James with our jar, as the servers after it see what it sends: what MAIL FROM declares
 * in synchronous mode (no SMTPUTF8 for plain mail; its SIZE is DeclaredSizeTest's), the downstream's
 * final reply reaching the client line by line, and a client's HELO name with a bare CR, which
 * James writes into its Received field, adding no header field downstream.
 */
class WhatDownstreamsSeeTest {
    private static final byte[] MESSAGE = "From: sender@example.org\r\nSubject: seen\r\n\r\nHello.\r\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static Map<String, String> forward(int port) {
        return Map.of("targets", "tcp://127.0.0.1:" + port, "starttls", "no", "heloName", "relay.test", "maxRetries", "0");
    }

    private static ForwardingJames synchronous(int port) throws Exception {
        return ForwardingJames.start(ForwardingJames.Options.forwarding(forward(port), ForwardingJames.Options.KEEP_FAILURES)
            .forwardingSynchronously(forward(port)));
    }

    /** Synchronous forwarding in a James whose chain lacks HeloNameCheck: what the sender itself does with a bare CR. */
    private ForwardingJames withoutHeloNameCheck(int downstreamPort) throws Exception {
        int port = Daemons.freePort();
        Path conf = JamesConfFolder.write(dir.resolve("no-helo-check"), port, forward(downstreamPort), ForwardingJames.Options.KEEP_FAILURES,
            forward(downstreamPort));
        Path smtpserver = conf.resolve("smtpserver.xml");
        String chain = Files.readString(smtpserver);
        String hook = "<handler class=\"org.remoteforward.smtp.HeloNameCheck\"/>";
        assertThat(chain).contains(hook);
        Files.writeString(smtpserver, chain.replace(hook, ""));
        return ForwardingJames.start(ForwardingJames.Options.ofConf(conf, port));
    }

    /** {@code hello}, which James must take, then one mail from sender@ to known@, each step accepted. */
    private static void sendAfter(SmtpClient client, String hello) throws Exception {
        assertThat(client.command(hello)).startsWith("250");
        assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
        assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
        assertThat(client.command("DATA")).startsWith("354");
        assertThat(client.message(MESSAGE)).startsWith("250");
    }

    /** The header section of what Postfix delivered, unfolded into its fields. */
    private static List<String> fields(String landed) {
        String header = landed.substring(0, landed.indexOf("\n\n"));
        return Arrays.asList(header.replaceAll("\n[ \t]", " ").split("\n"));
    }

    @Test
    void plainAsciiMailIsNotDeclaredSmtpUtf8WhichPostfixWouldRecordInItsReceivedField() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix")); ForwardingJames james = synchronous(postfix.smtpPort())) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE);
            // the control: Postfix does say so for mail declared SMTPUTF8
            try (SmtpClient direct = SmtpClient.connect(postfix.smtpPort())) {
                assertThat(direct.command("EHLO control.test")).startsWith("250");
                assertThat(direct.command("MAIL FROM:<control@example.org> SMTPUTF8")).startsWith("250");
                assertThat(direct.command("RCPT TO:<known@example.com>")).startsWith("250");
                assertThat(direct.command("DATA")).startsWith("354");
                assertThat(direct.message(MESSAGE)).startsWith("250");
            }

            List<Path> delivered = postfix.awaitMessages(2);
            assertThat(delivered).as(postfix.log()).hasSize(2);
            String viaJames = null;
            String control = null;
            for (Path file : delivered) {
                String landed = Files.readString(file, StandardCharsets.UTF_8);
                if (landed.contains("control@example.org")) {
                    control = landed;
                } else {
                    viaJames = landed;
                }
            }
            String controlReceived = fields(control).stream().filter(f -> f.startsWith("Received: from control.test")).findFirst().orElseThrow();
            assertThat(controlReceived).as("Postfix's Received field for mail declared SMTPUTF8").contains("UTF8");
            String postfixReceived = fields(viaJames).stream().filter(f -> f.startsWith("Received: from relay.test")).findFirst().orElseThrow();
            assertThat(postfixReceived).contains("with ESMTP").doesNotContain("UTF8");
        }
    }

    @Test
    void aMultiLineFinalReplyReachesTheClientLineByLine() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok")) {
            downstream.finalReply("250-3763 byte chunk, total 3763\r\n250 OK id=1vQ2aB-000Abc-Xy");
            try (ForwardingJames james = synchronous(downstream.port()); SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                assertThat(client.command("EHLO client.example")).startsWith("250");
                assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
                assertThat(client.command("DATA")).startsWith("354");
                assertThat(client.messageReply(MESSAGE)).containsExactly("250-3763 byte chunk, total 3763", "250 OK id=1vQ2aB-000Abc-Xy");
            }
        }
    }

    @Test
    void onTheQueuedPathOfAMemoryJamesHeloNameCheckRefusesTheNameThatWouldSplitJamesField() throws Exception {
        // the run command's configuration has the hook first in its chain, as conf-samples says an operator should
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok");
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward(downstream.port()),
                 ForwardingJames.Options.KEEP_FAILURES))) {
            try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                assertThat(client.command("EHLO client.example\rAuthentication-Results: downstream.test; dkim=pass"))
                    .startsWith("501 5.5.4").contains("control character (0xd)");
                // the client may say a proper name and go on
                sendAfter(client, "EHLO client.example");
            }
            assertThat(downstream.awaitTaken(1, 30)).containsEntry("known@example.com", 1);
            String sent = new String(downstream.messages().get(0), StandardCharsets.UTF_8);
            assertThat(sent.substring(0, sent.indexOf("\r\n\r\n"))).contains("EHLO client.example)").doesNotContain("Authentication-Results");
        }
    }

    /**
     * Synchronous mode sends the message as James's SMTP server received it. (James's memory mail
     * queue re-reads every mail it spools with javax.mail, whose line reader takes a bare CR as a
     * line end: on the queued path of a memory James the field is split inside James, before any
     * mailet, and James's own mailets see two fields too; README, "Known limits of James".)
     */
    @Test
    void aHeloNameWithABareCrAddsNoHeaderFieldDownstream() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok");
             ForwardingJames james = withoutHeloNameCheck(downstream.port())) {
            try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                sendAfter(client, "EHLO client.example\rAuthentication-Results: downstream.test; dkim=pass header.d=bank.example");
            }
            assertThat(downstream.awaitTaken(1, 30)).containsEntry("known@example.com", 1);
            String sent = new String(downstream.messages().get(0), StandardCharsets.UTF_8);
            String header = sent.substring(0, sent.indexOf("\r\n\r\n") + 2);
            assertThat(header).as("James's Received field, one field still").contains("EHLO client.example Authentication-Results: downstream.test")
                .doesNotContain("\r\nAuthentication-Results");
            assertThat(header.replace("\r\n", "\n")).doesNotContain("\r");
            assertThat(sent).endsWith(new String(MESSAGE, StandardCharsets.UTF_8));
        }
    }
}
