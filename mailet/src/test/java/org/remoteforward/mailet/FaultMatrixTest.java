package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.ScriptedServer.TlsOptions;
import org.remoteforward.testing.Started;
import org.remoteforward.testing.TestPki;

/**
 * Every step of an SMTP and of an LMTP delivery, crossed with every fault a downstream can show
 * at that step: refused or dropped connections, 421, other 4xx and 5xx replies, stalls past the
 * step's timeout, garbage, an over-long reply line, a reply of too many lines, and at STARTTLS a
 * failed handshake, an untrusted and a wrong-host certificate. The session under test is the
 * full one (STARTTLS required, AUTH PLAIN, two recipients, no PIPELINING so that each RCPT is a
 * step of its own), run through the mailet with its first attempt inline.
 *
 * <p>Each case checks where each recipient ends: delivered exactly once (the downstream holds
 * the message once, byte for byte), waiting in the outgoing queue for a retry with the cause on
 * the mail, or bounced to the sender with a DSN that carries the downstream's reply; never two of
 * these. Then that the case left no socket, pipe, file or delivery thread behind.
 *
 * <p>Not every fault exists at every step: a connection is refused or never accepted only at
 * CONNECT; a server cannot reply in the middle of a body, so BODY has only a drop, a 421 before
 * closing, and a server that stops reading; certificate and handshake faults belong to STARTTLS.
 */
class FaultMatrixTest {
    private static final String SENDER = "a@example.com";
    private static final String R1 = "r1@example.com";
    private static final String R2 = "r2@example.com";
    private static final String PASSWORD = "s3cret-pw";
    private static final String MESSAGE = "From: a@example.com\r\nTo: r1@example.com, r2@example.com\r\n"
        + "Subject: fault matrix\r\nMessage-ID: <matrix@example.com>\r\n\r\nline one\r\n.leading dot\r\nlast line\r\n";
    /** Far more than loopback socket buffers hold, so a server that stops reading blocks the writer. */
    private static final int LARGE_BODY_LINES = 220_000;

    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    private static TlsOptions goodTls;
    private static TlsOptions untrustedTls;
    private static TlsOptions wrongHostTls;
    private static String largeMessage;

    @RegisterExtension
    final Started started = new Started();

    enum Protocol { SMTP, LMTP }

    enum Step { CONNECT, GREETING, HELLO, STARTTLS, HELLO_AFTER_TLS, AUTH, MAIL, RCPT_1, RCPT_2, DATA, BODY, FINAL_REPLY, FINAL_REPLY_2, QUIT }

    enum Fault {
        REFUSED, DROP, REPLY_421, REPLY_4XX, REPLY_5XX, STALL, GARBAGE, OVERLONG_LINE, TOO_MANY_LINES,
        TLS_HANDSHAKE_FAILURE, UNTRUSTED_CERTIFICATE, WRONG_HOST_CERTIFICATE
    }

    enum Fate { DELIVERED, RETRY, BOUNCED }

    record Case(Protocol protocol, Step step, Fault fault) {
        @Override
        public String toString() {
            return protocol + " " + step + " " + fault;
        }
    }

    @BeforeAll
    static void certificates() throws Exception {
        // the credentials vault's expiry thread is one for the JVM, started with the first vault: not a case's to leave behind
        new CredentialsVault();
        pki = TestPki.create(pkiDir, "matrix-ca");
        goodTls = TlsOptions.of(pki.server().serverContext(pki.caCertificate()));
        wrongHostTls = TlsOptions.of(pki.server("mx.elsewhere.test").serverContext(pki.caCertificate()));
        TestPki other = TestPki.create(pkiDir, "other-ca");
        untrustedTls = TlsOptions.of(other.server().serverContext(other.caCertificate()));
        StringBuilder large = new StringBuilder("From: a@example.com\r\nSubject: large\r\n\r\n");
        for (int i = 0; i < LARGE_BODY_LINES; i++) {
            large.append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
        }
        largeMessage = large.toString();
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Protocol protocol : Protocol.values()) {
            for (Step step : Step.values()) {
                if (step == Step.FINAL_REPLY_2 && protocol == Protocol.SMTP) {
                    continue;
                }
                for (Fault fault : faultsAt(step)) {
                    cases.add(new Case(protocol, step, fault));
                }
            }
        }
        return cases.stream();
    }

    private static Set<Fault> faultsAt(Step step) {
        Set<Fault> replyFaults = EnumSet.of(Fault.DROP, Fault.REPLY_421, Fault.REPLY_4XX, Fault.REPLY_5XX, Fault.STALL,
            Fault.GARBAGE, Fault.OVERLONG_LINE, Fault.TOO_MANY_LINES);
        return switch (step) {
            case CONNECT -> EnumSet.of(Fault.REFUSED, Fault.STALL);
            case BODY -> EnumSet.of(Fault.DROP, Fault.REPLY_421, Fault.STALL);
            case STARTTLS -> {
                Set<Fault> all = EnumSet.copyOf(replyFaults);
                all.addAll(EnumSet.of(Fault.TLS_HANDSHAKE_FAILURE, Fault.UNTRUSTED_CERTIFICATE, Fault.WRONG_HOST_CERTIFICATE));
                yield all;
            }
            default -> replyFaults;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyRecipientEndsDeliveredOnceQueuedForRetryOrBounced(Case fault) throws Exception {
        Resources before = Resources.now();
        Map<String, Fate> expected = expectedFates(fault);

        Observed observed = run(fault);

        assertThat(observed.fates()).as("fates").isEqualTo(expected);
        for (Map.Entry<String, Fate> recipient : expected.entrySet()) {
            String cause = observed.causes().get(recipient.getKey());
            switch (recipient.getValue()) {
                case DELIVERED -> assertThat(observed.deliveredMessages()).as("messages the downstream holds")
                    .containsExactly(fault.step() == Step.BODY ? largeMessage : MESSAGE);
                case BOUNCED -> assertThat(cause).as("DSN for " + recipient.getKey()).contains(faultReply(fault.step(), 5))
                    .contains("Status: 5.");
                case RETRY -> assertThat(cause).as("cause kept for the retry of " + recipient.getKey()).contains(expectedCause(fault));
            }
        }
        if (!expected.containsValue(Fate.DELIVERED)) {
            // after the dot the downstream holds the message even though its reply went wrong: SMTP's
            // at-least-once case, the retry will deliver it again; before the dot it must hold nothing
            boolean afterTheDot = fault.step() == Step.FINAL_REPLY;
            assertThat(observed.deliveredMessages()).as("messages the downstream holds").hasSize(afterTheDot ? 1 : 0);
        }
        before.assertNothingLeftBehind();
    }

    /** What the case must end with, derived from the step and fault (not from what the code does). */
    private static Map<String, Fate> expectedFates(Case c) {
        Map<String, Fate> fates = new LinkedHashMap<>();
        Fate both;
        if (c.step() == Step.QUIT) {
            both = Fate.DELIVERED;
        } else if (c.fault() == Fault.REPLY_4XX || c.fault() == Fault.REPLY_5XX) {
            Fate refused = c.fault() == Fault.REPLY_4XX ? Fate.RETRY : Fate.BOUNCED;
            switch (c.step()) {
                // while connecting, any refusal makes the endpoint unusable: try later (maddy does the same)
                case GREETING, HELLO, STARTTLS, HELLO_AFTER_TLS -> both = Fate.RETRY;
                case RCPT_1 -> {
                    fates.put(R1, refused);
                    fates.put(R2, Fate.DELIVERED);
                    return fates;
                }
                case RCPT_2, FINAL_REPLY_2 -> {
                    fates.put(R1, Fate.DELIVERED);
                    fates.put(R2, refused);
                    return fates;
                }
                case FINAL_REPLY -> {
                    if (c.protocol() == Protocol.LMTP) {
                        fates.put(R1, refused);
                        fates.put(R2, Fate.DELIVERED);
                        return fates;
                    }
                    both = refused;
                }
                default -> both = refused;
            }
        } else if (c.step() == Step.FINAL_REPLY_2) {
            // LMTP: the first recipient's reply arrived before the connection went wrong
            fates.put(R1, Fate.DELIVERED);
            fates.put(R2, Fate.RETRY);
            return fates;
        } else {
            both = Fate.RETRY;
        }
        fates.put(R1, both);
        fates.put(R2, both);
        return fates;
    }

    private static String expectedCause(Case c) {
        return switch (c.fault()) {
            case REFUSED -> "refused";
            case REPLY_4XX -> faultReply(c.step(), 4);
            case REPLY_421 -> c.step() == Step.BODY ? "" : "421 4.3.2";
            case STALL -> "timeout";
            case OVERLONG_LINE -> "4096";
            case TOO_MANY_LINES -> "1000";
            case GARBAGE -> "hello from a broken server";
            case TLS_HANDSHAKE_FAILURE, UNTRUSTED_CERTIFICATE, WRONG_HOST_CERTIFICATE -> "TLS failed";
            // a drop reads as end of stream or a reset, depending on when it lands
            default -> "";
        };
    }

    private static String faultReply(Step step, int klass) {
        return klass == 4 ? "451 4.3.0 " + step + " fault, try later" : "554 5.7.1 " + step + " fault, refused";
    }

    private Observed run(Case c) throws Exception {
        MailetHarness harness = new MailetHarness(started);
        ScriptedServer server = null;
        RemoteForwardMailet mailet = null;
        List<Mail> queued = List.of();
        try {
            String target;
            if (c.step() == Step.CONNECT && c.fault() == Fault.REFUSED) {
                target = LoopbackPorts.deadEndpoint();
            } else {
                TlsOptions tls = switch (c.fault()) {
                    case UNTRUSTED_CERTIFICATE -> untrustedTls;
                    case WRONG_HOST_CERTIFICATE -> wrongHostTls;
                    default -> goodTls;
                };
                server = ScriptedServer.tcp(script(c), tls);
                target = server.tcpUri();
            }
            try (NeverAccepting neverAccepting = c.step() == Step.CONNECT && c.fault() == Fault.STALL ? new NeverAccepting() : null) {
                if (neverAccepting != null) {
                    target = neverAccepting.uri();
                }
                mailet = harness.start("protocol", c.protocol().name().toLowerCase(), "targets", target,
                    "starttls", "yes", "tlsRootCa", pki.caFile().toString(),
                    "auth", "plain", "authUsername", "relay-user", "authPassword", PASSWORD,
                    "heloName", "relay.test", "inline", "yes", "delayTime", "1h",
                    "connectTimeout", "300ms", "commandTimeout", "300ms", "submissionTimeout", "600ms");
                mailet.service(harness.mail(c.step() == Step.BODY ? largeMessage : MESSAGE, SENDER, R1, R2));
            }
            queued = harness.queued("remote-forward");
            List<String> delivered = new ArrayList<>();
            if (server != null) {
                for (ScriptedServer.Conversation conversation : server.conversations()) {
                    conversation.messages.stream().map(bytes -> new String(bytes, StandardCharsets.UTF_8)).forEach(delivered::add);
                }
                assertThat(server.violations()).as("commands the script did not expect").isEmpty();
            }
            return observe(harness, queued, delivered);
        } finally {
            if (mailet != null) {
                mailet.destroy();
            }
            if (server != null) {
                server.close();
            }
            queued.forEach(LifecycleUtil::dispose);
            started.afterEach(null);
        }
    }

    private static Observed observe(MailetHarness harness, List<Mail> queued, List<String> serverMessages) throws Exception {
        Map<String, Fate> fates = new LinkedHashMap<>();
        Map<String, String> causes = new LinkedHashMap<>();
        for (Mail mail : queued) {
            Map<?, ?> failures = mail.getAttribute(FailureAttributes.FAILURES).map(attribute -> (Map<?, ?>) attribute.getValue().value())
                .orElseThrow(() -> new AssertionError("a mail queued for retry without " + FailureAttributes.NAME));
            mail.getRecipients().forEach(recipient -> {
                record(fates, recipient.asString(), Fate.RETRY);
                causes.put(recipient.asString(), String.valueOf(failures.get(recipient.asString())));
            });
        }
        for (FakeMailContext.SentMail dsn : harness.dsns()) {
            String status = MailetHarness.deliveryStatus(dsn.getMsg());
            Matcher recipients = Pattern.compile("Final-Recipient: rfc822; (\\S+)").matcher(status);
            while (recipients.find()) {
                record(fates, recipients.group(1), Fate.BOUNCED);
                causes.put(recipients.group(1), status);
            }
        }
        for (String recipient : List.of(R1, R2)) {
            fates.putIfAbsent(recipient, Fate.DELIVERED);
        }
        return new Observed(fates, causes, serverMessages);
    }

    private static void record(Map<String, Fate> fates, String recipient, Fate fate) {
        Fate previous = fates.put(recipient, fate);
        assertThat(previous).as(recipient + " ended both " + previous + " and " + fate).isNull();
    }

    record Observed(Map<String, Fate> fates, Map<String, String> causes, List<String> deliveredMessages) {
    }

    /** The downstream's side of the case: the happy dialogue, with the fault at its step. */
    private static Script script(Case c) {
        boolean lmtp = c.protocol() == Protocol.LMTP;
        String hello = lmtp ? "LHLO" : "EHLO";
        Script script = Script.of();
        for (Step step : Step.values()) {
            if (step == Step.CONNECT || step == Step.FINAL_REPLY_2 && !lmtp) {
                continue;
            }
            expectCommand(script, step, hello);
            if (step != c.step()) {
                happyReply(script, step, lmtp);
                continue;
            }
            if (injectFault(script, c) == After.CONTINUE) {
                continue;
            }
            return script;
        }
        return script;
    }

    private static void expectCommand(Script script, Step step, String hello) {
        switch (step) {
            case HELLO -> script.expect(hello + " localhost");
            case STARTTLS -> script.expect("STARTTLS");
            case HELLO_AFTER_TLS -> script.expect(hello + " relay.test");
            case AUTH -> script.expectMatching("AUTH PLAIN \\S+");
            case MAIL -> script.expect("MAIL FROM:<" + SENDER + ">");
            case RCPT_1 -> script.expect("RCPT TO:<" + R1 + ">");
            case RCPT_2 -> script.expect("RCPT TO:<" + R2 + ">");
            case DATA -> script.expect("DATA");
            case QUIT -> script.expect("QUIT");
            default -> {
                // the greeting, the body and the final replies answer no command of their own
            }
        }
    }

    private static void happyReply(Script script, Step step, boolean lmtp) {
        switch (step) {
            case GREETING -> script.send("220 mx.test ESMTP");
            case HELLO -> script.send("250-mx.test", "250 STARTTLS");
            case STARTTLS -> script.send("220 2.0.0 ready").startTls();
            case HELLO_AFTER_TLS -> script.send("250-mx.test", "250 AUTH PLAIN");
            case AUTH -> script.send("235 2.7.0 authenticated");
            case MAIL -> script.send("250 2.1.0 ok");
            case RCPT_1, RCPT_2 -> script.send("250 2.1.5 ok");
            case DATA -> script.send("354 go ahead");
            case BODY -> script.receiveMessage();
            case FINAL_REPLY -> script.send(lmtp ? "250 2.0.0 <" + R1 + "> delivered" : "250 2.0.0 queued");
            case FINAL_REPLY_2 -> script.send("250 2.0.0 <" + R2 + "> delivered");
            case QUIT -> script.send("221 2.0.0 bye");
            default -> throw new IllegalArgumentException(step.toString());
        }
    }

    private enum After { CONTINUE, END }

    private static After injectFault(Script script, Case c) {
        Step step = c.step();
        if (step == Step.BODY) {
            switch (c.fault()) {
                case DROP -> script.skipBytes(64 * 1024).drop();
                case REPLY_421 -> script.skipBytes(64 * 1024).send("421 4.3.2 shutting down in the middle of your body").drop();
                case STALL -> script.freeze();
                default -> throw new IllegalArgumentException(c.toString());
            }
            return After.END;
        }
        switch (c.fault()) {
            case DROP -> script.drop();
            case REPLY_421 -> script.send("421 4.3.2 " + step + " fault, shutting down").drop();
            case REPLY_4XX, REPLY_5XX -> {
                script.send(faultReply(step, c.fault() == Fault.REPLY_4XX ? 4 : 5));
                boolean recipientStep = step == Step.RCPT_1 || step == Step.RCPT_2
                    || step == Step.FINAL_REPLY && c.protocol() == Protocol.LMTP || step == Step.FINAL_REPLY_2;
                if (recipientStep) {
                    return After.CONTINUE;
                }
                script.answerRest("221 2.0.0 bye");
            }
            case STALL -> script.stall();
            case GARBAGE -> script.send("hello from a broken server").answerRest("221 2.0.0 bye");
            case OVERLONG_LINE -> script.send("250 " + "x".repeat(5000)).answerRest("221 2.0.0 bye");
            case TOO_MANY_LINES -> {
                String[] lines = new String[1002];
                for (int i = 0; i < 1001; i++) {
                    lines[i] = "250-line " + i;
                }
                lines[1001] = "250 end";
                script.send(lines).answerRest("221 2.0.0 bye");
            }
            // answer the client's hello (a TLS record header read) with something that is not TLS
            case TLS_HANDSHAKE_FAILURE -> script.send("220 2.0.0 ready").skipBytes(5).send("this is not a TLS record").drop();
            case UNTRUSTED_CERTIFICATE, WRONG_HOST_CERTIFICATE -> script.send("220 2.0.0 ready").startTls();
            default -> throw new IllegalArgumentException(c.toString());
        }
        return After.END;
    }

    /** A listener whose accept queue is full, so a connection to it is never accepted and connecting hangs. */
    private static final class NeverAccepting implements AutoCloseable {
        private final java.net.ServerSocket listener;
        private final List<java.net.Socket> fillers = new ArrayList<>();

        NeverAccepting() throws IOException {
            listener = LoopbackPorts.listen(1);
            for (int i = 0; i < 8; i++) {
                java.net.Socket filler = new java.net.Socket();
                fillers.add(filler);
                try {
                    filler.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), listener.getLocalPort()), 200);
                } catch (IOException full) {
                    break;
                }
            }
        }

        String uri() {
            return "tcp://127.0.0.1:" + listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (java.net.Socket filler : fillers) {
                filler.close();
            }
            listener.close();
        }
    }

    /** Sockets, pipes and files this process has open, and the delivery threads alive. */
    private record Resources(long handles, long threads) {
        static Resources now() throws IOException {
            return new Resources(openHandles(), deliveryThreads());
        }

        void assertNothingLeftBehind() throws Exception {
            // servers close on their own threads; give them a moment, never more than a few seconds
            for (int i = 0; i < 250 && !equals(now()); i++) {
                Thread.sleep(20);
            }
            assertThat(deliveryThreads()).as("delivery and timeout threads alive").isEqualTo(threads);
            assertThat(openHandles()).as("open sockets, pipes and files: " + describeHandles()).isEqualTo(handles);
        }

        private static long deliveryThreads() {
            return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("remote-forward-")).count();
        }

        private static long openHandles() throws IOException {
            return handleTargets().size();
        }

        private static String describeHandles() throws IOException {
            return handleTargets().toString();
        }

        /**
         * Class path jars and the JDK's own files are opened lazily once and kept: not ours. Nor are
         * the cgroup files under /sys the JVM reads for its container limits, open for a moment.
         */
        private static List<String> handleTargets() throws IOException {
            List<String> targets = new ArrayList<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (!target.endsWith(".jar") && !target.startsWith("/dev/") && !target.endsWith("/lib/modules")
                            && !target.startsWith("/proc/") && !target.startsWith("/sys/")) {
                            targets.add(target);
                        }
                    } catch (IOException gone) {
                        // closed while listed
                    }
                }
            }
            return targets;
        }
    }
}
