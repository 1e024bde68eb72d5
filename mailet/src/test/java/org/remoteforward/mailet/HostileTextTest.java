package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.james.core.healthcheck.Result;
import org.apache.mailet.Attribute;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import reactor.core.publisher.Mono;

/**
 * Text that reaches the mailet from a client (through James: a quoted local part) or from a
 * downstream (a reply of any size the reader allows) goes into logs, DSNs, attributes and the
 * health answer as one bounded, printable line: it can neither add a line or field of its own nor
 * be copied whole once per recipient.
 */
class HostileTextTest {
    private static final String MESSAGE = "Subject: hostile\r\nFrom: a@example.com\r\n\r\nbody\r\n";

    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private Level rootLevel;

    @BeforeEach
    void setUp() throws Exception {
        harness = new MailetHarness(started);
        rootLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(log);
        root.setLevel(rootLevel);
    }

    private List<String> loggedText() {
        List<String> texts = new ArrayList<>();
        for (ILoggingEvent event : log.list) {
            texts.add(event.getFormattedMessage());
            event.getMDCPropertyMap().values().forEach(texts::add);
            if (event.getThrowableProxy() != null) {
                texts.add(event.getThrowableProxy().getMessage() == null ? "" : event.getThrowableProxy().getMessage());
            }
        }
        return texts;
    }

    /** The largest reply the reader takes: 1,000 lines of about 4,000 octets, {@code status} on each. */
    private static String[] largestReply(String code, String status) {
        String[] lines = new String[1000];
        for (int i = 0; i < lines.length - 1; i++) {
            lines[i] = code + "-" + status + " " + "x".repeat(3990);
        }
        lines[lines.length - 1] = code + " " + status + " " + "y".repeat(3990);
        return lines;
    }

    @Test
    void aQuotedLocalPartWithLineBreaksAddsNoFieldToTheDsnAndNoLineToTheLog() throws Exception {
        // as James's SMTP server takes it: quoted pairs let a CR and an LF into the local part
        String hostile = "\"x\\\r\\\nAction: delivered\\\r\\\nStatus: 2.0.0\\\r\\\nInjected-Field: yes\"@example.com";
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("550 5.1.1 no such user")
            .expect("QUIT").send("221 bye"));
        Mail mail = harness.mail(MESSAGE, "a@example.com", hostile, "b@example.com");

        harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes").service(mail);

        assertThat(server.violations()).isEmpty();
        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).doesNotContain("\r\nInjected-Field").doesNotContain("\r\nStatus: 2.0.0").doesNotContain("\r\nAction: delivered");
        assertThat(status.split("\r\nAction: ", -1)).as("one Action field per recipient").hasSize(3);
        assertThat(status).contains("Final-Recipient: rfc822; \"x\\ \\ Action: delivered\\ \\ Status: 2.0.0\\ \\ Injected-Field: yes\"@example.com");
        String human = MailetHarness.text(((javax.mail.internet.MimeMultipart) harness.dsns().get(0).getMsg().getContent())
            .getBodyPart(0).getInputStream());
        assertThat(human).doesNotContain("\r\nInjected-Field").doesNotContain("\nAction:");
        assertThat(loggedText()).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain("\r").doesNotContain("\n"));
    }

    @Test
    void aHugeReplyIsKeptOnceAndBoundedInLogsDsnsAttributesAndTheHealthAnswer() throws Exception {
        // the largest reply the reader takes, refusing the greeting
        String[] greeting = largestReply("554", "5.3.2");
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            recipients.add("r" + i + "@example.com");
        }
        ScriptedServer server = started.tcp(Script.of().send(greeting));
        Mail mail = harness.mail(MESSAGE, "a@example.com", recipients.toArray(String[]::new));

        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "maxRetries", "0", "debug", "yes");
        mailet.service(mail);

        long logged = loggedText().stream().mapToLong(String::length).sum();
        assertThat(logged).as("characters logged for one mail of 25 recipients").isLessThan(200_000);
        assertThat(loggedText()).anySatisfy(text -> assertThat(text).contains("more characters cut]"));

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status.length()).as("the delivery-status part").isLessThan(25 * (PrintableText.MAX_CHARS + 600));
        assertThat(status).contains("more characters cut]");

        Result health = Mono.from(new RemoteForwardHealthCheck(harness.health, Clock.system(ZoneOffset.UTC)).check()).block();
        assertThat(health.isUnHealthy()).isTrue();
        assertThat(health.getCause()).hasValueSatisfying(cause -> assertThat(cause.length()).isLessThan(PrintableText.MAX_CHARS + 600));
    }

    @Test
    void aHugeReplyIsBoundedInTheAttributesOfTheCopyForTheBounceProcessor() throws Exception {
        String[] refusal = largestReply("550", "5.1.1");
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send(refusal)
            .expect("QUIT").send("221 bye"));

        harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes",
            "bounceProcessor", "bounces").service(harness.mail(MESSAGE, "a@example.com", "b@example.com"));

        assertThat(server.violations()).isEmpty();
        List<FakeMailContext.SentMail> copies = harness.context.getSentMails().stream().filter(sent -> "bounces".equals(sent.getState()))
            .toList();
        assertThat(copies).isNotEmpty();
        for (FakeMailContext.SentMail copy : copies) {
            for (Attribute attribute : copy.getAttributes().values()) {
                assertThat(attribute.getValue().value().toString().length()).as(attribute.getName().asString())
                    .as("the reply, its text and the detail, each bounded").isLessThan(4 * PrintableText.MAX_CHARS);
            }
        }
        long logged = loggedText().stream().mapToLong(String::length).sum();
        assertThat(logged).isLessThan(100_000);
    }

    @Test
    void theOneRuleMakesOneBoundedPrintableLine() {
        assertThat(PrintableText.line("a\r\nb\rc\nd\te\u0000f\u001b[2Jg\u0085h\u007f")).isEqualTo("a b c d e?f?[2Jg?h?");
        assertThat(PrintableText.line("x".repeat(PrintableText.MAX_CHARS + 904)))
            .isEqualTo("x".repeat(PrintableText.MAX_CHARS) + "... [904 more characters cut]");
        // a character outside the BMP is never split in two
        assertThat(PrintableText.line("ab\ud83d\ude00c", 3)).isEqualTo("ab... [3 more characters cut]");
        assertThat(Map.of("k", PrintableText.line("plain")).get("k")).isEqualTo("plain");
    }
}
