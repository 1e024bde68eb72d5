package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Envelope;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.TestPki;

/** A real James with RemoteForwardMailet, forwarding over SMTP to a real Postfix. */
class PostfixForwardingTest {
    private static final String MESSAGE = "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <it-1@example.org>\r\n"
        + "From: sender@example.org\r\nTo: bob@example.com\r\nSubject:  spaced   out\r\n\tand folded\r\n\r\n"
        + "Hello Postfix.\r\n.a line starting with a dot\r\n";

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("it-ca");

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private static ForwardingJames james(Map<String, String> parameters) throws Exception {
        return ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(parameters), CollectingMailet.XML));
    }

    /** Postfix stores LF line ends in maildirs; everything else must be as sent. */
    private static String stored(Path file) throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static String lf(String crlf) {
        return crlf.replace("\r\n", "\n");
    }

    @Test
    void starttlsAndAuthPlainFromTheSample() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = james(ConfSamples.parameters("smtp-relay-starttls-auth-plain.xml", Map.of(
                 "targets", "tcp://localhost:" + postfix.smtpPort(),
                 "authUsername", Dovecot.ALICE, "authPassword", Dovecot.ALICE_PASSWORD,
                 "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test")))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com", "carol@example.com"),
                MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = postfix.awaitMessages(2);
            assertThat(delivered).as(postfix.log()).hasSize(2);
            for (Path file : delivered) {
                String mail = stored(file);
                assertThat(mail).startsWith("Return-Path: <sender@example.org>\n");
                assertThat(mail).containsPattern("Delivered-To: (bob|carol)@example.com\n");
                assertThat(mail).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
                assertThat(mail).contains("with ESMTPSA").containsPattern("using TLSv1\\.[23]");
                assertThat(mail).endsWith(lf(MESSAGE));
            }
        }
    }

    @Test
    void authForwardFromTheSample() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(
                 ConfSamples.parameters("auth-forward.xml", Map.of("targets", "tcp://localhost:" + postfix.smtpPort(),
                     "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test"))), CollectingMailet.XML)
                 .withUsers(Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)))) {
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("bob@example.com"),
                MESSAGE.getBytes(StandardCharsets.UTF_8), "");

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            String mail = stored(delivered.get(0));
            assertThat(mail).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
            assertThat(mail).endsWith(lf(MESSAGE));

            // a client that did not authenticate has no credentials to forward: a clear failure, nothing sent
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("carol@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            CollectingMailet.Collected failed = CollectingMailet.next();
            assertThat(failed.failures().get("carol@example.com")).containsEntry("outcome", "permanent");
            assertThat((String) failed.failures().get("carol@example.com").get("detail"))
                .contains("auth forward needs the original client's credentials");
            assertThat(postfix.awaitMessages(0)).as("nothing more reached Postfix").hasSize(1);
        }
    }

    @Test
    void implicitTlsWithAClientCertificateAndAuthExternalFromTheSample() throws Exception {
        TestPki.Issued client = PKI.ca().clientRsa("relay-client");
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             DovecotSubmission submission = DovecotSubmission.start(dir.resolve("submission"), PKI.ca().caFile(),
                 PKI.server().certificateFile(), PKI.server().pkcs8KeyFile(), postfix.smtpPort());
             ForwardingJames james = james(ConfSamples.parameters("implicit-tls-client-certificate-external.xml", Map.of(
                 "targets", "tls://localhost:" + submission.port(),
                 "tlsCert", client.certificateFile().toString(), "tlsKey", client.traditionalKeyFile().toString(),
                 "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test")))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(submission.log() + postfix.log()).hasSize(1);
            String mail = stored(delivered.get(0));
            assertThat(mail).contains("by submission.test with ESMTPSA");
            assertThat(mail).endsWith(lf(MESSAGE));
            assertThat(submission.log()).contains("Login: user=<relay-client>, method=EXTERNAL");
        }
    }

    @Test
    void aTemporaryFailureWaitsInJamessQueueUntilTheDownstreamIsUp() throws Exception {
        int port = Daemons.freePort();
        try (ForwardingJames james = james(Map.of("targets", "tcp://127.0.0.1:" + port, "starttls", "no", "heloName", "relay.test",
                 "delayTime", "1s", "maxRetries", "60"))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            // nothing listens yet: the first attempt fails to connect and the mail waits for its retry
            Thread.sleep(1500);
            try (Postfix postfix = Postfix.setup().port(port).start(dir.resolve("postfix"))) {
                List<Path> delivered = postfix.awaitMessages(1);
                assertThat(delivered).as(postfix.log()).hasSize(1);
                assertThat(stored(delivered.get(0))).endsWith(lf(MESSAGE));
                Thread.sleep(2500);
                assertThat(postfix.awaitMessages(0)).as("delivered once, not again").hasSize(1);
            }
        }
    }

    @Test
    void implicitTls() throws Exception {
        try (Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile()).implicitTlsPort()
                 .start(dir.resolve("postfix"));
             ForwardingJames james = james(Map.of("targets", "tls://localhost:" + postfix.smtpsPort(),
                 "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test"))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            assertThat(stored(delivered.get(0))).containsPattern("using TLSv1\\.[23]").endsWith(lf(MESSAGE));
        }
    }

    @Test
    void failoverFromADeadFirstTargetToALiveSecondFromTheSample() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(ConfSamples.parameters("two-targets-failover.xml", Map.of(
                 "targets", LoopbackPorts.deadEndpoint() + " tcp://127.0.0.1:" + postfix.smtpPort(),
                 "heloName", "relay.test", "connectTimeout", "5s")))) {
            // the sample keeps SMTP's default of required STARTTLS; this Postfix has no certificate
            CollectingMailet.Collected refused = null;
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            refused = CollectingMailet.next();
            assertThat(refused.failures().get("bob@example.com")).containsEntry("outcome", "temporary");
            assertThat((String) refused.failures().get("bob@example.com").get("detail"))
                .contains("cannot connect").contains("does not advertise STARTTLS");
        }
        try (Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile()).start(dir.resolve("postfix-tls"));
             ForwardingJames james = james(ConfSamples.parameters("two-targets-failover.xml", Map.of(
                 "targets", LoopbackPorts.deadEndpoint() + " tcp://localhost:" + postfix.smtpPort(),
                 "heloName", "relay.test", "tlsRootCa", PKI.ca().caFile().toString())))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            assertThat(stored(delivered.get(0))).endsWith(lf(MESSAGE));
        }
    }

    @Test
    void aServerWithoutStarttlsIsRefusedAndNothingIsSentInClear() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "heloName", "relay.test"))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            CollectingMailet.Collected failed = CollectingMailet.next();
            assertThat(failed.recipients()).containsExactly("bob@example.com");
            assertThat(failed.failures().get("bob@example.com")).containsEntry("outcome", "temporary");
            assertThat((String) failed.failures().get("bob@example.com").get("detail")).contains("does not advertise STARTTLS");
            assertThat(postfix.awaitMessages(0)).isEmpty();
            assertThat(postfix.log()).doesNotContain("MAIL FROM").doesNotContain("from=<sender@example.org>");
        }
    }

    @Test
    void eightBitAndSmtpUtf8Messages() throws Exception {
        String eightBit = "From: sender@example.org\r\nTo: bob@example.com\r\nSubject: plain\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9 cr\u00e8me br\u00fbl\u00e9e\r\n";
        // UTF-8 in the header section (RFC 6532): the mailet declares SMTPUTF8 downstream. James 3.8's own SMTP
        // server refuses UTF-8 envelope addresses (501 5.1.7), so those are covered by the sender's tests only.
        String utf8 = "From: J\u00f6rg <joerg@example.org>\r\nTo: B\u00f6b <bob@example.com>\r\nSubject: gr\u00fc\u00dfe\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe!\r\n";
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "heloName", "relay.test"))) {
            SmtpClient.send(james.smtpPort(), null, null, "sender@example.org", List.of("bob@example.com"),
                eightBit.getBytes(StandardCharsets.UTF_8), " BODY=8BITMIME");
            SmtpClient.send(james.smtpPort(), null, null, "joerg@example.org", List.of("bob@example.com"),
                utf8.getBytes(StandardCharsets.UTF_8), " BODY=8BITMIME");

            List<Path> delivered = postfix.awaitMessages(2);
            assertThat(delivered).as(postfix.log()).hasSize(2);
            String first = stored(delivered.get(0));
            String second = stored(delivered.get(1));
            String eightBitMail = first.contains("Caf\u00e9") ? first : second;
            String utf8Mail = first.contains("Caf\u00e9") ? second : first;
            assertThat(eightBitMail).endsWith(lf(eightBit));
            assertThat(utf8Mail).startsWith("Return-Path: <joerg@example.org>\n");
            // James 3.8 re-serialises the header section of each message it copies (its queue does) in US-ASCII, so
            // every 8-bit header byte reaches the mailet as '?'. The mailet forwards what James holds; the body is intact.
            assertThat(utf8Mail).contains("From: J??rg <joerg@example.org>\n").endsWith("\n\nGr\u00fc\u00dfe!\n");
        }
    }

    @Test
    void theSenderSpeaksSmtpUtf8ToPostfix() throws Exception {
        String utf8 = "From: J\u00f6rg <j\u00f6rg@b\u00fccher.example>\r\nTo: b\u00f6b@example.com\r\nSubject: gr\u00fc\u00dfe\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nGr\u00fc\u00dfe!\r\n";
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to("tcp://127.0.0.1:" + postfix.smtpPort()).build())) {
            DeliveryResult result = sender.deliver(new Envelope("j\u00f6rg@b\u00fccher.example", List.of("b\u00f6b@example.com")),
                Messages.of(utf8));

            assertThat(result.failed()).isEmpty();
            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            String mail = stored(delivered.get(0));
            assertThat(mail).startsWith("Return-Path: <j\u00f6rg@b\u00fccher.example>\n");
            assertThat(mail).contains("Delivered-To: b\u00f6b@example.com\n");
            assertThat(mail).contains("with UTF8SMTP");
            assertThat(mail).endsWith(lf(utf8));
        }
    }

    @Test
    void aTwentyMegabyteMessage() throws Exception {
        StringBuilder body = new StringBuilder("From: sender@example.org\r\nTo: bob@example.com\r\nSubject: big\r\n\r\n");
        String line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef\r\n";
        while (body.length() < 20 * 1024 * 1024) {
            body.append(line);
        }
        byte[] message = body.toString().getBytes(StandardCharsets.US_ASCII);
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "heloName", "relay.test"))) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), message);

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            assertThat(stored(delivered.get(0))).endsWith(lf(body.toString()));
            // Postfix offers CHUNKING: the message went in 1 MiB BDAT chunks, without dot-stuffing. Postfix
            // counts them when the (pooled) session ends, which stopping James does.
            james.close();
            for (int i = 0; i < 200 && !postfix.log().contains(" bdat="); i++) {
                Thread.sleep(50);
            }
            assertThat(postfix.log()).containsPattern("disconnect from localhost\\[127.0.0.1\\] ehlo=1 mail=1 rcpt=1 bdat=2[01] quit=1");
        }
    }
}
