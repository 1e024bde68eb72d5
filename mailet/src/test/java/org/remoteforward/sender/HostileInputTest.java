package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * Envelopes and messages that a server must never see: addresses that would inject commands or
 * break the syntax, and messages SMTP cannot carry to this server unchanged. Each fails
 * permanently with its cause named, and nothing of it reaches the wire.
 */
class HostileInputTest {
    private static final String LONG_LOCAL = "x".repeat(250);

    @RegisterExtension
    final Started started = new Started();

    static Stream<Arguments> hostileRecipients() {
        return Stream.of(
            Arguments.of("closing the path to inject a command", "x@example.com>\r\nRCPT TO:<evil@example.com", "'>'"),
            Arguments.of("CRLF injecting a command", "x@example.com\r\nRSET\r\nMAIL FROM:<evil@example.com", "control character 0xd"),
            Arguments.of("bare CR", "x\r@example.com", "control character 0xd"),
            Arguments.of("bare LF", "x\n@example.com", "control character 0xa"),
            Arguments.of("NUL", "x\0@example.com", "control character 0x0"),
            Arguments.of("TAB", "x\t@example.com", "control character 0x9"),
            Arguments.of("ESC", "x\u001b@example.com", "control character 0x1b"),
            Arguments.of("DEL", "x\u007f@example.com", "control character 0x7f"),
            Arguments.of("closing bracket", "x>@example.com", "'>'"),
            Arguments.of("opening bracket", "<x@example.com", "'<'"),
            Arguments.of("space before a parameter", "x@example.com NOTIFY=NEVER", "' '"),
            Arguments.of("over-long address", LONG_LOCAL + "@example.com", "longer than 254 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRecipients")
    void aHostileRecipientFailsAloneAndNeverReachesTheWire(String name, String recipient, String cause) throws Exception {
        ScriptedServer server = started.tcp(onlyBIsSent());

        RecipientResult refused = deliverBesideB(server, recipient);

        assertThat(refused.detail()).contains(cause);
        assertThat(String.join("\n", server.onlyConversation().commands)).doesNotContain("evil", "NOTIFY", LONG_LOCAL, "\0");
    }

    /** A server that expects b@example.com alone: any other RCPT is a violation. */
    private static Script onlyBIsSent() {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    /** Delivers to {@code recipient} and b@example.com; b is delivered, the result of {@code recipient} (failed for good) is returned. */
    private RecipientResult deliverBesideB(ScriptedServer server, String recipient) throws Exception {
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));
        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of(recipient, "b@example.com")), Messages.of(Messages.SIMPLE));
        sender.close();
        assertThat(result.of(recipient).outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
        return result.of(recipient);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRecipients")
    void aHostileSenderFailsEveryRecipientWithoutConnecting(String name, String sender, String cause) throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test"));
        DownstreamSender downstream = started.sender(SettingsBuilder.to(server.tcpUri()));

        DeliveryResult result = downstream.deliver(new Envelope(sender, List.of("b@example.com")), Messages.of(Messages.SIMPLE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("sender").contains(cause);
        assertThat(server.conversations()).isEmpty();
    }

    static Stream<Arguments> senderRoutedRecipients() {
        return Stream.of(
            Arguments.of("percent hack", "victim%evil.org@example.com", "'%' in its local part"),
            Arguments.of("bang path", "evil.org!victim@example.com", "'!' in its local part"),
            Arguments.of("quoted at", "\"victim@evil.org\"@example.com", "'@' in its local part"),
            Arguments.of("source route", "@relay.example.com:victim@evil.org", "a source route"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("senderRoutedRecipients")
    void aRecipientWithSenderSpecifiedRoutingFailsAloneAndNeverReachesTheWire(String name, String recipient, String cause)
        throws Exception {
        RecipientResult refused = deliverBesideB(started.tcp(onlyBIsSent()), recipient);

        assertThat(refused.detail()).contains("sender-specified routing (" + cause + ")").contains("allowSenderRouting");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("senderRoutedRecipients")
    void allowSenderRoutingForwardsSuchARecipientAsWritten(String name, String recipient, String cause) throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<" + recipient + ">").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).allowSenderRouting());

        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of(recipient)), Messages.of(Messages.SIMPLE));
        sender.close();

        assertThat(result.of(recipient).outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
    }

    static Stream<Arguments> messagesTheServerCannotTake() {
        String longLine = "y".repeat(999);
        return Stream.of(
            Arguments.of("a body line of 999 octets", "Subject: long\r\n\r\n" + longLine + "\r\n", "250 mx.test",
                "a line of 999 octets; SMTP allows 998"),
            Arguments.of("a header line of 1200 octets", "Subject: " + "z".repeat(1191) + "\r\n\r\nbody\r\n", "250 mx.test",
                "a line of 1200 octets"),
            Arguments.of("an unterminated last line of 5000 octets", "Subject: long\r\n\r\n" + "w".repeat(5000), "250 mx.test",
                "a line of 5000 octets"),
            Arguments.of("8-bit headers to a server without 8BITMIME", "Subject: caf\u00e9\r\n\r\nplain\r\n", "250 mx.test",
                "8-bit content but"),
            Arguments.of("8-bit body to a server without 8BITMIME", "Subject: plain\r\n\r\ncr\u00e8me\r\n", "250 mx.test",
                "does not advertise 8BITMIME"),
            Arguments.of("a message over the server's SIZE", Messages.SIMPLE, "250-mx.test\r\n250 SIZE 40",
                "larger than the SIZE limit of 40 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messagesTheServerCannotTake")
    void aMessageSmtpCannotCarryUnchangedFailsPermanentlyBeforeMailFrom(String name, String message, String ehloReply, String cause)
        throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send(ehloReply.split("\r\n"))
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(message));
        sender.close();

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains(cause);
        assertThat(server.onlyConversation().commands).containsExactly("EHLO client.test", "QUIT");
        assertThat(server.violations()).isEmpty();
    }

    @ParameterizedTest(name = "a line of {0} octets goes through")
    @MethodSource("linesAtTheLimit")
    void linesUpToTheLimitGoThroughUnchanged(int octets) throws Exception {
        String message = "Subject: limit\r\n\r\n" + "v".repeat(octets) + "\r\n";
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(message));
        sender.close();

        assertThat(result.failed()).isEmpty();
        assertThat(new String(server.onlyConversation().onlyMessage())).isEqualTo(message);
    }

    static Stream<Integer> linesAtTheLimit() {
        return Stream.of(997, 998);
    }
}
