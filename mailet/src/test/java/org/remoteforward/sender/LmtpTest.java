package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

class LmtpTest {
    @RegisterExtension
    final Started started = new Started();
    @TempDir
    Path dir;
    private ScriptedServer server;
    private DownstreamSender sender;

    private static Script threeRecipients(String... finalReplies) {
        return Script.of().send("220 lmtp.test LMTP")
            .expect("LHLO client.test").send("250-lmtp.test", "250-8BITMIME", "250 ENHANCEDSTATUSCODES")
            .expect("MAIL FROM:<a@example.com>").send("250 2.1.0 ok")
            .expect("RCPT TO:<one@example.com>").send("250 2.1.5 ok")
            .expect("RCPT TO:<nobody@example.com>").send("550 5.1.1 user unknown")
            .expect("RCPT TO:<two@example.com>").send("250 2.1.5 ok")
            .expect("RCPT TO:<three@example.com>").send("250 2.1.5 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send(finalReplies)
            .expect("QUIT").send("221 bye");
    }

    private static final Envelope FOUR = new Envelope("a@example.com",
        List.of("one@example.com", "nobody@example.com", "two@example.com", "three@example.com"));

    @Test
    void eachAcceptedRecipientGetsItsOwnFinalReply() throws Exception {
        server = started.tcp(threeRecipients("250 2.0.0 <one@example.com> saved", "452 4.2.2 <two@example.com> over quota",
            "552 5.2.2 <three@example.com> mailbox full"));
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp());
        DeliveryResult result = sender.deliver(FOUR, Messages.of(Messages.SIMPLE));

        assertThat(result.of("one@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("nobody@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("two@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("two@example.com").serverReply().orElseThrow().text()).isEqualTo("<two@example.com> over quota");
        // a mailbox over its quota may be emptied: 552 5.2.2 is retried (RFC 3463 X.2.2), as maddy does
        assertThat(result.of("three@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("three@example.com").serverReply().orElseThrow().enhancedStatus()).contains(new EnhancedStatus(5, 2, 2));
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void repliesReadBeforeTheConnectionBrokeKeepTheirMeaning() throws Exception {
        server = started.tcp(Script.of().send("220 lmtp.test LMTP")
            .expect("LHLO client.test").send("250 lmtp.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<one@example.com>").send("250 ok")
            .expect("RCPT TO:<two@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 saved").drop());
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp());
        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("one@example.com", "two@example.com")),
            Messages.of(Messages.SIMPLE));

        assertThat(result.of("one@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("two@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void lmtpHasNoHeloFallback() throws Exception {
        server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO client.test").send("500 unknown command")
            .expect("QUIT").send("221 bye"));
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp());
        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("refused LHLO with 500");
    }

    @Test
    void overAUnixDomainSocket() throws Exception {
        server = started.unix(threeRecipients("250 2.0.0 saved", "250 2.0.0 saved", "250 2.0.0 saved"), dir.resolve("lmtp.sock"));
        sender = started.sender(SettingsBuilder.to(server.unixUri()).lmtp());
        String message = "Subject: unix\r\n\r\n.dot line\r\n";
        DeliveryResult result = sender.deliver(FOUR, Messages.of(message));
        sender.close();

        assertThat(result.delivered()).extracting(RecipientResult::recipient)
            .containsExactly("one@example.com", "two@example.com", "three@example.com");
        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(message);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void smtpOverAUnixSocketSkipsStarttls() throws Exception {
        server = started.unix(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"), dir.resolve("smtp.sock"));
        sender = started.sender(SettingsBuilder.to(server.unixUri()).starttls());
        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aMissingSocketIsATemporaryFailureNamingIt() throws Exception {
        sender = started.sender(SettingsBuilder.to("unix://" + dir.resolve("absent.sock")).lmtp());
        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("absent.sock");
    }
}
