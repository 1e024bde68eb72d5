package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;

/**
 * James's SMTP server forwarding during the transaction (ForwardingRcptHook and
 * ForwardingMessageHook in smtpserver.xml) to a real Postfix or Dovecot: the client hears the
 * downstream's own answers, at RCPT and at the end of DATA, and James keeps nothing it was not
 * asked to keep.
 */
class SynchronousForwardingTest {
    private static final String MESSAGE = "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <sync-1@example.org>\r\n"
        + "From: sender@example.org\r\nTo: known@example.com\r\nSubject: forwarded as it happens\r\n\r\n"
        + "Hello downstream.\r\n.a line that starts with a dot\r\n";

    /** How many lines of a downstream reply reach the client at most (README, "Synchronous forwarding"). */
    private static final int RELAYED_LINES = 32;

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("sync-ca");

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private static ForwardingJames james(int downstreamPort, Map<String, String> hookParameters, Map<String, String> users)
        throws Exception {
        Map<String, String> hook = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstreamPort, "starttls", "no",
            "heloName", "relay.test", "failedRecipientsProcessor", "error"));
        hook.putAll(hookParameters);
        return startJames(downstreamPort, hook, users);
    }

    private static ForwardingJames startJames(int downstreamPort, Map<String, String> hook, Map<String, String> users) throws Exception {
        // the mailet of the "forward" processor would forward anything James kept: a second copy downstream would show it
        return ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of("targets", "tcp://127.0.0.1:" + downstreamPort,
            "starttls", "no", "heloName", "relay.test", "maxRetries", "0", "bounceProcessor", "error"), CollectingMailet.XML)
            .withUsers(users).forwardingSynchronously(hook));
    }

    @Test
    void aRecipientTheDownstreamRefusesIsRefusedToTheClientWithItsCodeAndTextAndTheMessageArrivesByteIdentical() throws Exception {
        try (Postfix postfix = Postfix.setup().refuseRecipient("nobody@example.com", "550 5.1.1 no such mailbox here")
                 .start(dir.resolve("postfix"));
             // the conf-samples fragment, with this machine's downstream put over it
             ForwardingJames james = startJames(postfix.smtpPort(), ConfSamples.hookParameters("smtpserver-synchronous-forwarding.xml",
                 Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "tlsRootCa", PKI.ca().caFile().toString(),
                     "heloName", "relay.test")), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<known@example.com>")).as(postfix.log()).startsWith("250");
            assertThat(client.command("RCPT TO:<nobody@example.com>"))
                .startsWith("550 5.1.1").contains("no such mailbox here");
            assertThat(client.command("DATA")).startsWith("354");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8)))
                .as("Postfix's own reply to the message").startsWith("250 2.0.0 Ok:").contains("queued as");

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            String landed = Files.readString(delivered.get(0));
            assertThat(landed).as("what James received, after the Received headers, byte for byte").endsWith(lf(MESSAGE));
            assertThat(landed).contains("Delivered-To: known@example.com").doesNotContain("nobody@example.com");
            assertNothingMoreArrives(postfix, 1);
        }
    }

    @Test
    void aTransactionTheClientResetsIsAbandonedDownstreamAndTheNextOneStandsAlone() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of(), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<first@example.org>");
            assertThat(client.command("RCPT TO:<abandoned@example.com>")).startsWith("250");
            assertThat(client.command("RSET")).startsWith("250");
            client.command("MAIL FROM:<sender@example.org>");
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            client.command("DATA");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            assertThat(Files.readString(delivered.get(0))).startsWith("Return-Path: <sender@example.org>")
                .contains("Delivered-To: known@example.com").doesNotContain("abandoned@example.com");
            assertNothingMoreArrives(postfix, 1);
        }
    }

    @Test
    void aTemporaryFailureAtTheEndOfDataReachesTheClientAsA4xxAndJamesKeepsNothing() throws Exception {
        try (Postfix postfix = Postfix.setup().refuseAtEndOfData("sender@example.org", "451 4.7.1 greylisted, come back later")
                 .start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of(), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            String reply = client.message(MESSAGE.getBytes(StandardCharsets.UTF_8));

            assertThat(reply).as(postfix.log()).startsWith("451 4.7.1").contains("greylisted, come back later");
            assertNothingMoreArrives(postfix, 0);
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }

    @Test
    void anUnreachableDownstreamIsA4xxAtRcptNeverASilentAccept() throws Exception {
        int nobodyListens = Daemons.freePort();
        try (ForwardingJames james = james(nobodyListens, Map.of(), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");

            assertThat(client.command("RCPT TO:<known@example.com>"))
                .startsWith("451 4.4.1").contains("downstream unavailable").contains("127.0.0.1:" + nobodyListens);
            assertThat(client.command("DATA")).as("no recipient was accepted").doesNotStartWith("354");
        }
    }

    @Test
    void authForwardUsesTheCredentialsTheClientAuthenticatedWithAndRefusesAnonymousClients() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of("targets", "tcp://localhost:" + postfix.smtpPort(),
                 "starttls", "yes", "tlsRootCa", PKI.ca().caFile().toString(), "auth", "forward"),
                 Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD))) {
            try (SmtpClient anonymous = SmtpClient.connect(james.smtpPort())) {
                anonymous.command("EHLO client.example");
                anonymous.command("MAIL FROM:<sender@example.org>");
                assertThat(anonymous.command("RCPT TO:<known@example.com>")).startsWith("530 5.7.0").contains("auth forward");
            }
            try (SmtpClient alice = SmtpClient.connect(james.smtpPort())) {
                alice.command("EHLO client.example");
                assertThat(alice.authenticate(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)).startsWith("235");
                alice.command("MAIL FROM:<" + Dovecot.ALICE + ">");
                assertThat(alice.command("RCPT TO:<known@example.com>")).startsWith("250");
                alice.command("DATA");
                assertThat(alice.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");
            }

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log()).hasSize(1);
            assertThat(Files.readString(delivered.get(0))).contains("(Authenticated sender: " + Dovecot.ALICE + ")").endsWith(lf(MESSAGE));
        }
    }

    @Test
    void overLmtpDovecotsRefusalOfAnUnknownUserReachesTheClientAtRcpt() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             ForwardingJames james = james(dovecot.lmtpPort(), Map.of("protocol", "lmtp"), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            assertThat(client.command("RCPT TO:<unknown@example.com>")).startsWith("550 5.1.1").containsIgnoringCase("doesn't exist");
            client.command("DATA");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");

            List<Path> stored = dovecot.awaitMessages("known", 1);
            assertThat(stored).hasSize(1);
            assertThat(Files.readString(stored.get(0))).endsWith(lf(MESSAGE));
        }
    }

    @Test
    void overLmtpRecipientsRefusedAfterTheMessageAreHandedToJamesAndTheClientIsToldTheMessageIsTaken() throws Exception {
        try (ScriptedServer lmtp = ScriptedServer.tcp(Script.of().send("220 lmtp.test LMTP").expect("LHLO relay.test")
                 .send("250-lmtp.test", "250 PIPELINING")
                 .expect("MAIL FROM:<sender@example.org>").send("250 2.1.0 ok")
                 .expect("RCPT TO:<one@example.com>").send("250 2.1.5 ok")
                 .expect("RCPT TO:<two@example.com>").send("250 2.1.5 ok")
                 .expect("DATA").send("354 go ahead")
                 .receiveMessage().send("250 2.0.0 one saved", "452 4.2.2 two is over quota")
                 .expect("QUIT").send("221 bye"));
             ForwardingJames james = james(lmtp.port(), Map.of("protocol", "lmtp", "reuseConnections", "no"), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            client.command("RCPT TO:<one@example.com>");
            client.command("RCPT TO:<two@example.com>");
            client.command("DATA");

            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8)))
                .startsWith("250").contains("delivered to 1 recipient(s); 1 will be retried or bounced by the relay");

            CollectingMailet.Collected handed = CollectingMailet.next();
            assertThat(handed.recipients()).containsExactly("two@example.com");
            assertThat(handed.failures().get("two@example.com")).containsEntry("outcome", "temporary").containsEntry("code", 452);
            assertThat(lmtp.violations()).isEmpty();
        }
    }

    @Test
    void downstreamReplyTextRelayedRawIsNowSanitisedSplitWithinRfc5321LinesAndStaysMultiLine() throws Exception {
        String hostile = "550-5.1.1 bad\u001b[2J\u0000 user\rinjected: 250 ok";
        String overLong = "550 5.1.1 " + "x".repeat(2000);
        String[] thousandLines = new String[1000];
        for (int i = 0; i < 999; i++) {
            thousandLines[i] = "550-5.7.1 policy line " + i + " of a reply that goes on and on";
        }
        thousandLines[999] = "550 5.7.1 the end";
        try (ScriptedServer downstream = ScriptedServer.tcp(Script.of().send("220 mx.test ESMTP").expect("EHLO relay.test")
                 .send("250 mx.test")
                 .expect("MAIL FROM:<sender@example.org>").send("250 2.1.0 ok")
                 .expect("RCPT TO:<hostile@example.com>").send(hostile, overLong)
                 .expect("RCPT TO:<chatty@example.com>").send(thousandLines)
                 .expect("QUIT").send("221 bye"));
             ForwardingJames james = james(downstream.port(), Map.of("reuseConnections", "no"), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");

            List<String> hostileReply = client.commandReply("RCPT TO:<hostile@example.com>");
            List<String> chattyReply = client.commandReply("RCPT TO:<chatty@example.com>");

            for (List<String> reply : List.of(hostileReply, chattyReply)) {
                assertThat(reply).as("a multi-line reply stays multi-line").hasSizeGreaterThan(1);
                for (int i = 0; i < reply.size(); i++) {
                    String line = reply.get(i);
                    assertThat(line).as("line %d of %s", i, reply).startsWith(i == reply.size() - 1 ? "550 " : "550-");
                    assertThat(line.getBytes(StandardCharsets.UTF_8).length + 2).as("octets with CRLF, RFC 5321 4.5.3.1.5").isLessThanOrEqualTo(512);
                    assertThat(line.chars().filter(c -> Character.isISOControl(c))).as("control characters in %s", line).isEmpty();
                }
            }
            assertThat(hostileReply.get(0)).isEqualTo("550-5.1.1 bad[2J userinjected: 250 ok");
            assertThat(String.join("", hostileReply.subList(1, hostileReply.size())).replaceAll("550[- ]5\\.1\\.1 ", ""))
                .as("the long line, split, loses nothing").isEqualTo("x".repeat(2000));
            assertThat(chattyReply).as("a thousand lines are not all relayed").hasSizeLessThanOrEqualTo(RELAYED_LINES)
                .first().isEqualTo("550-5.7.1 policy line 0 of a reply that goes on and on");
            assertThat(chattyReply.get(chattyReply.size() - 1)).startsWith("550 5.7.1").contains("more lines");
        }
    }

    @Test
    void idleClientsCannotExhaustTheDownstreamSessionsAClientWaitsBoundedAndIdleOnesLoseTheirSession() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of("maxConnections", "2", "clientIdleTimeout", "3s"), Map.of());
             SmtpClient idle1 = SmtpClient.connect(james.smtpPort());
             SmtpClient idle2 = SmtpClient.connect(james.smtpPort())) {
            for (SmtpClient idle : List.of(idle1, idle2)) {
                idle.command("EHLO idle.example");
                idle.command("MAIL FROM:<>");
                assertThat(idle.command("RCPT TO:<known@example.com>")).startsWith("250");
            }
            // both sessions of maxConnections=2 are held by clients that say nothing more
            try (SmtpClient third = SmtpClient.connect(james.smtpPort())) {
                third.command("EHLO third.example");
                third.command("MAIL FROM:<sender@example.org>");
                long asked = System.nanoTime();
                assertThat(third.command("RCPT TO:<known@example.com>")).startsWith("451 4.4.5").contains("maxConnections");
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("bounded by connectionWaitTimeout (2s), not connectTimeout (5m)")
                    .isLessThan(Duration.ofSeconds(30));
            }
            // past clientIdleTimeout the idle clients lose their sessions, and a new client is served
            String reply = "";
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!reply.startsWith("250") && System.nanoTime() < until) {
                try (SmtpClient next = SmtpClient.connect(james.smtpPort())) {
                    next.command("EHLO next.example");
                    next.command("MAIL FROM:<sender@example.org>");
                    reply = next.command("RCPT TO:<known@example.com>");
                    if (reply.startsWith("250")) {
                        next.command("DATA");
                        assertThat(next.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");
                    }
                }
            }
            assertThat(reply).startsWith("250");
            assertThat(idle1.command("DATA")).startsWith("354");
            assertThat(idle1.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).as("the idle client's session went to others")
                .startsWith("451").contains("clientIdleTimeout");
            assertThat(postfix.awaitMessages(1)).hasSize(1);
            assertNothingMoreArrives(postfix, 1);
        }
    }

    @Test
    void messageHooksConfiguredAfterTheForwardingRunBeforeTheMessageIsForwardedTheirRefusalReachesTheClientTheirChangesGoDownstream()
        throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"))) {
            int port = Daemons.freePort();
            Path conf = JamesConfFolder.write(dir.resolve("template"), port, Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(),
                "starttls", "no"), CollectingMailet.XML, Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no",
                "heloName", "relay.test"));
            Path smtpserver = conf.resolve("smtpserver.xml");
            Files.writeString(smtpserver, Files.readString(smtpserver).replace(
                "      <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>",
                "      <handler class=\"" + ContentCheckHook.class.getName() + "\"/>\n"
                    + "      <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>"));
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, port))) {
                for (String refused : List.of("refuse me for good", "refuse me for now")) {
                    try (SmtpClient client = SmtpClient.connect(port)) {
                        client.command("EHLO client.example");
                        client.command("MAIL FROM:<sender@example.org>");
                        assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
                        client.command("DATA");
                        String reply = client.message(MESSAGE.replace("Subject: forwarded as it happens", "Subject: " + refused)
                            .getBytes(StandardCharsets.UTF_8));
                        assertThat(reply).as("the content check's own answer").startsWith(refused.endsWith("good") ? "554 5.7.1" : "451 4.7.1");
                    }
                }
                try (SmtpClient client = SmtpClient.connect(port)) {
                    client.command("EHLO client.example");
                    client.command("MAIL FROM:<sender@example.org>");
                    assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
                    client.command("DATA");
                    assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");
                }

                List<Path> delivered = postfix.awaitMessages(1);
                assertThat(Files.readString(delivered.get(0))).as("what the content check added went downstream")
                    .contains(ContentCheckHook.STAMP + ": yes").contains("Subject: forwarded as it happens");
                assertNothingMoreArrives(postfix, 1);
                assertThat(CollectingMailet.collected()).as("James kept nothing").isEmpty();
            }
        }
    }

    @Test
    void recipientsTheDownstreamFailsAfterTheClientWasToldTakenAreRetriedOrBouncedByDefault() throws Exception {
        String message = MESSAGE.replace("sender@example.org", "sender@example.com");
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ScriptedServer lmtp = ScriptedServer.tcp(List.of(
                 Script.of().send("220 lmtp.test LMTP").expect("LHLO relay.test").send("250-lmtp.test", "250 PIPELINING")
                     .expect("MAIL FROM:<sender@example.com>").send("250 2.1.0 ok")
                     .expect("RCPT TO:<one@example.com>").send("250 2.1.5 ok")
                     .expect("RCPT TO:<two@example.com>").send("250 2.1.5 ok")
                     .expect("RCPT TO:<three@example.com>").send("250 2.1.5 ok")
                     .expect("DATA").send("354 go ahead")
                     .receiveMessage().send("250 2.0.0 one saved", "452 4.2.2 two is over quota", "550 5.1.1 three is gone")
                     .expect("QUIT").send("221 bye"),
                 Script.of().send("220 lmtp.test LMTP").expect("LHLO relay.test").send("250-lmtp.test", "250 PIPELINING")
                     .expect("MAIL FROM:<sender@example.com>").send("250 2.1.0 ok")
                     .expect("RCPT TO:<two@example.com>").send("250 2.1.5 ok")
                     .expect("DATA").send("354 go ahead")
                     .receiveMessage().send("250 2.0.0 two saved at last")
                     .expect("QUIT").send("221 bye")));
             // James's own mailet (the bounce goes out through it) forwards to Postfix; the SMTP hooks to the LMTP server
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of(
                     "targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "heloName", "relay.test"), CollectingMailet.XML)
                 .forwardingSynchronously(Map.of("targets", "tcp://127.0.0.1:" + lmtp.port(), "protocol", "lmtp", "heloName", "relay.test",
                     "reuseConnections", "no", "delayTime", "1s")));
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.com>");
            for (String recipient : List.of("one", "two", "three")) {
                assertThat(client.command("RCPT TO:<" + recipient + "@example.com>")).startsWith("250");
            }
            client.command("DATA");
            assertThat(client.message(message.getBytes(StandardCharsets.UTF_8))).startsWith("250")
                .contains("delivered to 1 recipient(s); 2 will be retried or bounced by the relay");

            List<ScriptedServer.Conversation> conversations = lmtp.awaitConversations(2);
            assertThat(new String(conversations.get(1).onlyMessage(), StandardCharsets.UTF_8)).as("the retry for two")
                .endsWith(message);
            assertThat(lmtp.violations()).isEmpty();
            List<Path> bounce = postfix.awaitMessages(1);
            assertThat(Files.readString(bounce.get(0))).as("the bounce for three, to the sender")
                .contains("Delivered-To: sender@example.com").contains("multipart/report")
                .contains("Final-Recipient: rfc822; three@example.com").contains("550 5.1.1 three is gone")
                .doesNotContain("Final-Recipient: rfc822; two@example.com");
            assertThat(CollectingMailet.collected()).as("nothing left in the error processor").isEmpty();
        }
    }

    @Test
    void aProcessorNamedInTheConfigurationThatDoesNotExistStopsJamesFromStarting() {
        assertThatThrownBy(() -> ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of("targets", "tcp://127.0.0.1:25",
                "starttls", "no"), CollectingMailet.XML)
            .forwardingSynchronously(Map.of("targets", "tcp://127.0.0.1:25", "starttls", "no", "afterForward", "archive"))).close())
            .hasStackTraceContaining("afterForward").hasStackTraceContaining("no processor named 'archive'");
        assertThatThrownBy(() -> ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of("targets", "tcp://127.0.0.1:25",
                "starttls", "no", "bounceProcessor", "bounces"), CollectingMailet.XML)).close())
            .hasStackTraceContaining("bounceProcessor").hasStackTraceContaining("no processor named 'bounces'");
    }

    @Test
    void aRecipientNamedTwiceGetsTheSameAnswerTwiceAndOneCopy() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of(), Map.of());
             SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.command("EHLO client.example");
            client.command("MAIL FROM:<sender@example.org>");
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            assertThat(client.command("RCPT TO:<known@example.com>")).startsWith("250");
            client.command("DATA");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");

            assertThat(postfix.awaitMessages(1)).hasSize(1);
            assertNothingMoreArrives(postfix, 1);
            assertThat(postfix.log()).as("one RCPT downstream").containsOnlyOnce("to=<known@example.com>");
        }
    }

    @Test
    void aClientThatGoesAwayMidTransactionEndsTheDownstreamTransaction() throws Exception {
        try (ScriptedServer downstream = ScriptedServer.tcp(Script.of().send("220 mx.test ESMTP").expect("EHLO relay.test")
                 .send("250 mx.test")
                 .expect("MAIL FROM:<sender@example.org>").send("250 2.1.0 ok")
                 .expect("RCPT TO:<known@example.com>").send("250 2.1.5 ok")
                 .expect("QUIT").send("221 bye"));
             ForwardingJames james = james(downstream.port(), Map.of("reuseConnections", "no"), Map.of())) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), james.smtpPort())) {
                client.getOutputStream().write(("EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\n"
                    + "RCPT TO:<known@example.com>\r\n").getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                    StandardCharsets.US_ASCII));
                String line;
                do {
                    line = in.readLine();
                } while (line != null && !line.startsWith("250 2.1.5"));
                assertThat(line).as("James's answer to RCPT").isNotNull();
            }
            // the client vanished without QUIT: James's disconnect ends the downstream session, which says QUIT
            ScriptedServer.Conversation conversation = downstream.onlyConversation();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!conversation.commands.contains("QUIT") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(conversation.commands).containsExactly("EHLO relay.test", "MAIL FROM:<sender@example.org>",
                "RCPT TO:<known@example.com>", "QUIT");
            assertThat(downstream.violations()).isEmpty();
        }
    }

    @Test
    void jamesDecidesRelayingBeforeTheDownstreamHearsOfARecipient() throws Exception {
        try (ScriptedServer downstream = ScriptedServer.tcp(Script.of().send("220 mx.test ESMTP").expect("EHLO relay.test")
                 .send("250 mx.test")
                 .expect("MAIL FROM:<" + Dovecot.ALICE + ">").send("250 2.1.0 ok")
                 .expect("RCPT TO:<someone@elsewhere.test>").send("250 2.1.5 ok")
                 .expect("QUIT").send("221 bye"))) {
            int port = Daemons.freePort();
            Path conf = JamesConfFolder.write(dir.resolve("template"), port, Map.of("targets", "tcp://127.0.0.1:" + downstream.port(),
                "starttls", "no"), CollectingMailet.XML, Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no",
                "heloName", "relay.test", "reuseConnections", "no"));
            // loopback clients may no longer relay: only authenticated ones may
            Path smtpserver = conf.resolve("smtpserver.xml");
            Files.writeString(smtpserver, Files.readString(smtpserver).replace("<authorizedAddresses>127.0.0.0/8</authorizedAddresses>",
                "<authorizedAddresses>192.0.2.1/32</authorizedAddresses>"));
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, port)
                     .withUsers(Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)))) {
                try (SmtpClient stranger = SmtpClient.connect(port)) {
                    stranger.command("EHLO client.example");
                    stranger.command("MAIL FROM:<sender@example.org>");
                    assertThat(stranger.command("RCPT TO:<someone@elsewhere.test>")).as("James's own relay check").startsWith("530");
                }
                assertThat(downstream.conversations()).as("what the downstream heard of the stranger").isEmpty();

                try (SmtpClient alice = SmtpClient.connect(port)) {
                    alice.command("EHLO client.example");
                    assertThat(alice.authenticate(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)).startsWith("235");
                    alice.command("MAIL FROM:<" + Dovecot.ALICE + ">");
                    assertThat(alice.command("RCPT TO:<someone@elsewhere.test>")).startsWith("250");
                }
                ScriptedServer.Conversation conversation = downstream.onlyConversation();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!conversation.commands.contains("QUIT") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(downstream.violations()).isEmpty();
            }
        }
    }

    @Test
    void afterForwardNamesTheProcessorThatGetsACopyForLocalUse() throws Exception {
        try (Postfix postfix = Postfix.setup().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix.smtpPort(), Map.of("afterForward", "error"), Map.of())) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            assertThat(postfix.awaitMessages(1)).hasSize(1);
            CollectingMailet.Collected copy = CollectingMailet.next();
            assertThat(copy.recipients()).containsExactly("known@example.com");
            assertThat(copy.failures()).isEmpty();
        }
    }

    private static String lf(String crlf) {
        return crlf.replace("\r\n", "\n");
    }

    /** The downstream holds {@code count} messages and, a few seconds later, still no more: James kept nothing to send again. */
    private static void assertNothingMoreArrives(Postfix postfix, int count) throws Exception {
        Thread.sleep(3000);
        assertThat(postfix.awaitMessages(0)).hasSize(count);
    }
}
