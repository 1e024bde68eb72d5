package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class DialogueLogTest {
    private static final String PASSWORD = "pa55-w0rd-never-logged";
    private static final String BODY_MARKER = "body-text-never-logged";

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private Level rootLevel;

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
        rootLevel = root.getLevel();
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        root.setLevel(rootLevel);
    }

    private List<String> deliverWith(DialogueLogging mode, String password) throws Exception {
        String payload = Base64.getEncoder().encodeToString(("\0relay\0" + password).getBytes(StandardCharsets.UTF_8));
        try (ScriptedServer server = ScriptedServer.tcp(Script.of().send("220 mx.test").expect("EHLO client.test")
                .send("250-mx.test", "250 AUTH PLAIN")
                .expect("AUTH PLAIN " + payload).send("334 c2VjcmV0LWNoYWxsZW5nZQ==")
                .expect(payload).send("235 ok")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"));
             DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to(server.tcpUri()).plain("relay", password).dialogue(mode).build())) {
            DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com"), Optional.empty()),
                Messages.of("Subject: x\r\n\r\n" + BODY_MARKER + "\r\n"));
            assertThat(result.failed()).isEmpty();
            assertThat(server.violations()).isEmpty();
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void debugOnLogsTheDialogueWithAuthRedactedAndNoBody() throws Exception {
        root.setLevel(Level.TRACE);
        String payload = Base64.getEncoder().encodeToString(("\0relay\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<String> lines = deliverWith(DialogueLogging.ON, PASSWORD);

        assertThat(lines).anyMatch(l -> l.endsWith("C: MAIL FROM:<a@example.com>"));
        assertThat(lines).anyMatch(l -> l.endsWith("S: 354 go"));
        assertThat(lines).anyMatch(l -> l.endsWith("C: AUTH PLAIN <redacted>"));
        assertThat(lines).anyMatch(l -> l.endsWith("S: 334 <redacted>"));
        assertThat(String.join("\n", lines))
            .doesNotContain(PASSWORD)
            .doesNotContain(payload)
            .doesNotContain("c2VjcmV0LWNoYWxsZW5nZQ==")
            .doesNotContain(BODY_MARKER);
    }

    @Test
    void debugOnLogsAtInfoSoItShowsWhateverTheLoggerLevel() throws Exception {
        root.setLevel(Level.INFO);
        assertThat(deliverWith(DialogueLogging.ON, PASSWORD)).anyMatch(l -> l.endsWith("C: MAIL FROM:<a@example.com>"));
    }

    @Test
    void loggerLevelModeFollowsTheLogger() throws Exception {
        root.setLevel(Level.INFO);
        assertThat(deliverWith(DialogueLogging.LOGGER_LEVEL, PASSWORD)).noneMatch(l -> l.contains("MAIL FROM"));
        appender.list.clear();
        root.setLevel(Level.DEBUG);
        assertThat(deliverWith(DialogueLogging.LOGGER_LEVEL, PASSWORD)).anyMatch(l -> l.contains("MAIL FROM"));
    }

    @Test
    void offLogsNothingEvenAtTrace() throws Exception {
        root.setLevel(Level.TRACE);
        assertThat(deliverWith(DialogueLogging.OFF, PASSWORD)).noneMatch(l -> l.contains("MAIL FROM"));
    }
}
