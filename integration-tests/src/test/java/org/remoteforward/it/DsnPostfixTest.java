package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's DSN request (RFC 3461) end to end, with James's DSN hooks in smtpserver.xml and a
 * real Postfix downstream, which advertises DSN and honours what it is given: NOTIFY=SUCCESS gets
 * the sender Postfix's own success report (with the ENVID and ORCPT the client gave, so they
 * arrived intact), NOTIFY=NEVER for a recipient Postfix fails gets no bounce from Postfix, and
 * RET=HDRS gets a bounce with the header only. Through the mailet and through the SMTP hooks.
 * Then James's own DSNBounce as {@code bounceProcessor}: it reads the request and writes a Status
 * that is the downstream's enhanced code.
 */
class DsnPostfixTest {
    private static final String MESSAGE = "From: sender@example.com\r\nTo: known@example.com\r\nSubject: dsn end to end\r\n\r\n"
        + "The body, which RET=HDRS keeps out of any bounce.\r\n";

    @TempDir
    Path dir;

    private static Map<String, String> forward(Postfix postfix) {
        return Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no", "heloName", "relay.test");
    }

    /** Postfix takes gone@ and quiet@ at RCPT and then fails their delivery: the bounce, if any, is its own. */
    private static Postfix.Setup failingTwo() {
        return Postfix.setup().failAtDelivery("gone@example.com", "5.1.1 gone away").failAtDelivery("quiet@example.com", "5.1.1 gone too");
    }

    /**
     * One transaction with James, which advertises DSN (its DSN hooks): MAIL FROM with {@code mailArguments},
     * a RCPT TO line for each of {@code recipients} (an address and its DSN parameters), the message; every step accepted.
     */
    private static void send(int port, String mailArguments, String... recipients) throws Exception {
        try (SmtpClient client = SmtpClient.connect(port)) {
            assertThat(client.commandReply("EHLO client.example")).as("James with its DSN hooks").anyMatch(line -> line.substring(4).equals("DSN"));
            assertThat(client.command("MAIL FROM:<sender@example.com> " + mailArguments)).startsWith("250");
            for (String recipient : recipients) {
                assertThat(client.command("RCPT TO:" + recipient)).startsWith("250");
            }
            assertThat(client.command("DATA")).startsWith("354");
            assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).startsWith("250");
        }
    }

    /** The client asks for a success report for known@ (with its original address), a failure one for gone@, none for quiet@. */
    private static void sendWithDsnRequest(int port) throws Exception {
        send(port, "RET=HDRS ENVID=QQ+2B1", "<known@example.com> NOTIFY=SUCCESS ORCPT=rfc822;orig+2Bx@example.com",
            "<gone@example.com> NOTIFY=FAILURE", "<quiet@example.com> NOTIFY=NEVER");
    }

    /** The message, Postfix's success report and Postfix's bounce: three in the one maildir (sender@ is at example.com too). */
    private static void assertPostfixHonouredTheRequest(Postfix postfix) throws Exception {
        List<Path> landed = postfix.awaitMessages(3);
        assertThat(landed).as(postfix.log()).hasSize(3);
        Map<String, String> byKind = new HashMap<>();
        for (Path file : landed) {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            String kind = text.contains("Action: delivered") ? "success" : text.contains("Action: failed") ? "bounce" : "message";
            assertThat(byKind.put(kind, text)).as("a second " + kind + ":\n" + text).isNull();
        }
        assertThat(byKind.get("message")).contains("Subject: dsn end to end").contains("X-Original-To: known@example.com");
        // Postfix's own report, made from the request as it reached Postfix: ENVID and ORCPT decoded once, no more
        assertThat(byKind.get("success")).contains("Original-Envelope-Id: QQ+1").contains("orig+x@example.com")
            .contains("Final-Recipient: rfc822; known@example.com");
        // one bounce, for gone@ only (quiet@ asked for none), with the header only (RET=HDRS; the global- type after SMTPUTF8)
        assertThat(byKind.get("bounce")).contains("Final-Recipient: rfc822; gone@example.com").doesNotContain("quiet@example.com")
            .containsPattern("Content-Type: (text/rfc822-headers|message/global-headers)").contains("Subject: dsn end to end")
            .doesNotContain("The body");
        assertThat(postfix.log()).containsPattern("to=<quiet@example.com>.*status=bounced");
    }

    /** A James forwarding to {@code postfix} with the mailet, or, when {@code synchronous}, with the SMTP hooks. */
    private static ForwardingJames james(Postfix postfix, boolean synchronous) throws Exception {
        ForwardingJames.Options options = ForwardingJames.Options.forwarding(forward(postfix), ForwardingJames.Options.KEEP_FAILURES);
        return ForwardingJames.start(synchronous ? options.forwardingSynchronously(forward(postfix)) : options);
    }

    @ParameterizedTest(name = "synchronous: {0}")
    @ValueSource(booleans = {false, true})
    void theRequestIsPassedOnAndPostfixHonoursIt(boolean synchronous) throws Exception {
        try (Postfix postfix = failingTwo().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix, synchronous)) {
            sendWithDsnRequest(james.smtpPort());
            assertPostfixHonouredTheRequest(postfix);
        }
    }

    /** The message to known@ and other@ and our own report for known@: Postfix, without DSN, was given no request to honour. */
    private static void assertWeReportedRelayed(Postfix postfix) throws Exception {
        List<Path> landed = postfix.awaitMessages(3);
        assertThat(landed).as(postfix.log()).hasSize(3);
        String report = landed.stream().map(DsnPostfixTest::read).filter(text -> text.contains("delivery-status")).findFirst()
            .orElseThrow(() -> new AssertionError("no report among " + landed));
        assertThat(report).contains("Subject: Successful Mail Delivery Report").contains("Original-Envelope-Id: env-9")
            .containsPattern("Original-Recipient: rfc822; orig@example.com\r?\nFinal-Recipient: rfc822; known@example.com\r?\n"
                + "Action: relayed\r?\nStatus: 2\\.0\\.0")
            .doesNotContain("other@example.com");
        assertThat(postfix.log()).doesNotContain("sender delivery status notification");
    }

    private static void sendAskingForSuccess(int port) throws Exception {
        send(port, "ENVID=env-9", "<known@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig@example.com", "<other@example.com>");
    }

    @ParameterizedTest(name = "synchronous: {0}")
    @ValueSource(booleans = {false, true})
    void weReportRelayedWhereTheDownstreamCannotTakeTheRequestOn(boolean synchronous) throws Exception {
        try (Postfix postfix = Postfix.setup().withoutDsn().start(dir.resolve("postfix"));
             ForwardingJames james = james(postfix, synchronous)) {
            sendAskingForSuccess(james.smtpPort());
            assertWeReportedRelayed(postfix);
        }
    }

    @Test
    void jamesDsnBounceAsBounceProcessorHonoursNotifyAndWritesTheEnhancedCodeAsStatus() throws Exception {
        // James's own bounce mailets, as its DSN documentation configures them: a report for those whose NOTIFY asks for one
        String dsnBounce = "      <mailet match=\"DSNFailureRequested\" class=\"DSNBounce\"><passThrough>false</passThrough>"
            + "<defaultStatus>5.0.0</defaultStatus></mailet>\n" + ForwardingJames.Options.KEEP_FAILURES;
        try (Postfix postfix = Postfix.setup().refuseRecipient("nobody@example.com", "550 5.1.1 no such mailbox here")
                 .refuseRecipient("never@example.com", "550 5.1.1 nor here").start(dir.resolve("postfix"))) {
            Map<String, String> parameters = new HashMap<>(forward(postfix));
            parameters.put("bounceProcessor", "error");
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(parameters, dsnBounce))) {
                send(james.smtpPort(), "RET=HDRS", "<known@example.com>", "<nobody@example.com>", "<never@example.com> NOTIFY=NEVER");

                // the message to known@, and DSNBounce's report, forwarded by the mailet like any mail
                List<Path> landed = postfix.awaitMessages(2);
                assertThat(landed).as(postfix.log()).hasSize(2);
                String report = landed.stream().map(DsnPostfixTest::read).filter(text -> text.contains("delivery-status")).findFirst()
                    .orElseThrow(() -> new AssertionError("no report among " + landed));
                assertThat(report).contains("Final-Recipient: rfc822; nobody@example.com").containsPattern("Status: 5\\.1\\.1\r?\n")
                    .doesNotContain("never@example.com").contains("text/rfc822-headers");
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
