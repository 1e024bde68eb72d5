package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** SIZE, 8BITMIME, SMTPUTF8 and envelope safety: what MAIL FROM declares and what is refused before the wire. */
class ExtensionsTest {
    @RegisterExtension
    final Started started = new Started();
    private static final String EIGHT_BIT = "Subject: caf\u00e9\r\n\r\nCaf\u00e9 cr\u00e8me\r\n";
    private static final String EIGHT_BIT_BODY = "Subject: plain\r\n\r\nCaf\u00e9 cr\u00e8me\r\n";

    private ScriptedServer server;
    private DownstreamSender sender;

    private DeliveryResult deliver(Script script, Envelope envelope, String message) throws Exception {
        server = started.tcp(script);
        sender = started.sender(SettingsBuilder.to(server.tcpUri()));
        try {
            return sender.deliver(envelope, Messages.of(message));
        } finally {
            // the pooled session QUITs, so its conversation is over when a test reads it
            sender.close();
        }
    }

    private static Script acceptingOne(String mailFrom, String rcptTo, String... ehlo) {
        return Script.of().send("220 mx.test ESMTP").expect("EHLO client.test").send(ehlo)
            .expect(mailFrom).send("250 ok")
            .expect(rcptTo).send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    @Test
    void declaresSizeWhenAdvertised() throws Exception {
        int size = Messages.SIMPLE.length();
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com> SIZE=" + size, "RCPT TO:<b@example.com>",
                "250-mx.test", "250 SIZE 10000"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aMessageOverTheAdvertisedSizeFailsPermanentlyWithoutMailFrom() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 SIZE 10")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(b.detail()).contains("SIZE limit of 10 bytes").contains(server.tcpUri());
        assertThat(server.onlyConversation().commands).containsExactly("EHLO client.test", "QUIT");
    }

    @Test
    void declaresEightBitMimeOnlyForEightBitContent() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com> BODY=8BITMIME", "RCPT TO:<b@example.com>",
                "250-mx.test", "250 8BITMIME"),
            new Envelope("a@example.com", List.of("b@example.com")), EIGHT_BIT_BODY);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(EIGHT_BIT_BODY.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sevenBitContentDeclaresNoBody() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>",
                "250-mx.test", "250-8BITMIME", "250 SMTPUTF8"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void eightBitContentToAServerWithoutEightBitMimeFailsPermanentlyBeforeMailFrom() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), EIGHT_BIT_BODY);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("8BITMIME");
        assertThat(server.onlyConversation().commands).doesNotContain("MAIL FROM:<a@example.com>");
    }

    @Test
    void utf8HeadersDeclareSmtpUtf8WhenOffered() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8", "RCPT TO:<b@example.com>",
                "250-mx.test", "250-8BITMIME", "250 SMTPUTF8"),
            new Envelope("a@example.com", List.of("b@example.com")), EIGHT_BIT);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void utf8AddressesAreSentAsTheyAreWithSmtpUtf8() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<j\u00f6rg@b\u00fccher.example> SMTPUTF8", "RCPT TO:<\u00e9l\u00e8ve@\u00e9cole.example>",
                "250-mx.test", "250-8BITMIME", "250 SMTPUTF8"),
            new Envelope("j\u00f6rg@b\u00fccher.example", List.of("\u00e9l\u00e8ve@\u00e9cole.example")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aUtf8DomainBecomesAnALabelWithoutSmtpUtf8() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com>", "RCPT TO:<info@xn--bcher-kva.example>", "250 mx.test"),
            new Envelope("a@example.com", List.of("info@b\u00fccher.example")), Messages.SIMPLE);

        assertThat(result.of("info@b\u00fccher.example").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aUtf8LocalPartWithoutSmtpUtf8FailsThatRecipientAlone() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "250 mx.test"),
            new Envelope("a@example.com", List.of("\u00e9l\u00e8ve@example.com", "b@example.com")), Messages.SIMPLE);

        assertThat(result.of("\u00e9l\u00e8ve@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("\u00e9l\u00e8ve@example.com").detail()).contains("SMTPUTF8");
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aUtf8SenderWithoutSmtpUtf8FailsEveryRecipient() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("QUIT").send("221 bye"),
            new Envelope("j\u00f6rg@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("SMTPUTF8").contains("sender");
    }

    @Test
    void addressesThatCouldInjectCommandsNeverReachTheWire() throws Exception {
        DeliveryResult result = deliver(acceptingOne("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "250 mx.test"),
            new Envelope("a@example.com", List.of("x@example.com>\r\nRCPT TO:<evil@example.com", "nul\0@example.com", "b@example.com")),
            Messages.SIMPLE);

        assertThat(result.of("x@example.com>\r\nRCPT TO:<evil@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("nul\0@example.com").detail()).contains("control character 0x0");
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.onlyConversation().commands).noneMatch(c -> c.contains("evil"));
    }

    @Test
    void aBadSenderFailsEveryRecipientWithoutConnecting() throws Exception {
        DeliveryResult result = deliver(Script.of(),
            new Envelope("a@example.com\r\nDATA", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("sender");
        assertThat(server.conversations()).isEmpty();
    }
}
