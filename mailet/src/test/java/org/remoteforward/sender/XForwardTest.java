package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** Postfix's XFORWARD: the original client passed on before MAIL FROM, where the server offers it. */
class XForwardTest {
    private static final ClientOrigin CLIENT = new ClientOrigin(Optional.of("192.0.2.1"), Optional.of("client.example"),
        Optional.of("helo.example"), Optional.of("ESMTP"), false);

    @RegisterExtension
    final Started started = new Started();

    private static Envelope from(Optional<ClientOrigin> origin) {
        return new Envelope("a@example.com", List.of("b@example.com"), Optional.empty(), origin);
    }

    private static Script delivering(String ehlo, String... beforeMail) {
        Script script = Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", ehlo);
        for (String command : beforeMail) {
            script.expect(command).send("250 2.0.0 Ok");
        }
        return script.expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    private DeliveryResult deliver(ScriptedServer server, SettingsBuilder settings, Envelope envelope) throws Exception {
        return started.deliverOnce(settings, envelope);
    }

    @Test
    void theClientGoesBeforeMailFromWithTheAttributesTheServerOffers() throws Exception {
        ScriptedServer server = started.tcp(delivering("250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT",
            "XFORWARD NAME=client.example ADDR=192.0.2.1 PROTO=ESMTP HELO=helo.example SOURCE=REMOTE"));
        assertThat(deliver(server, SettingsBuilder.to(server.tcpUri()), from(Optional.of(CLIENT))).failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void onlyWhatTheServerOffersUnknownValuesAsUnavailableXtextAndIpv6AsPostfixReadsThem() throws Exception {
        ClientOrigin odd = new ClientOrigin(Optional.of("2001:db8::1"), Optional.empty(), Optional.of("hé lo+x=y"), Optional.empty(), false);
        ScriptedServer server = started.tcp(delivering("250 XFORWARD ADDR HELO NAME",
            "XFORWARD NAME=[UNAVAILABLE] ADDR=IPV6:2001:db8::1 HELO=h+C3+A9+20lo+2Bx+3Dy"));
        assertThat(deliver(server, SettingsBuilder.to(server.tcpUri()), from(Optional.of(odd))).failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void noneWhereTheServerDoesNotOfferItWhenTurnedOffOrWithoutAClient() throws Exception {
        ScriptedServer plain = started.tcp(delivering("250 8BITMIME"));
        assertThat(deliver(plain, SettingsBuilder.to(plain.tcpUri()), from(Optional.of(CLIENT))).failed()).isEmpty();
        ScriptedServer off = started.tcp(delivering("250 XFORWARD NAME ADDR"));
        assertThat(deliver(off, SettingsBuilder.to(off.tcpUri()).noXforward(), from(Optional.of(CLIENT))).failed()).isEmpty();
        ScriptedServer noClient = started.tcp(delivering("250 XFORWARD NAME ADDR"));
        assertThat(deliver(noClient, SettingsBuilder.to(noClient.tcpUri()), from(Optional.empty())).failed()).isEmpty();
        assertThat(plain.violations()).isEmpty();
        assertThat(off.violations()).isEmpty();
        assertThat(noClient.violations()).isEmpty();
    }

    @Test
    void aRefusedXforwardLeavesTheMessageToGoOn() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 XFORWARD ADDR")
            .expect("XFORWARD ADDR=192.0.2.1").send("550 5.7.0 Error: insufficient authorization")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        assertThat(deliver(server, SettingsBuilder.to(server.tcpUri()), from(Optional.of(CLIENT))).failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void eachMessageOnAReusedSessionCarriesItsOwnClient() throws Exception {
        ClientOrigin other = new ClientOrigin(Optional.of("198.51.100.7"), Optional.empty(), Optional.of("other.example"), Optional.of("SMTP"),
            false);
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 XFORWARD ADDR HELO")
            .expect("XFORWARD ADDR=192.0.2.1 HELO=helo.example").send("250 Ok")
            .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("XFORWARD ADDR=198.51.100.7 HELO=other.example").send("250 Ok")
            .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));
        assertThat(sender.deliver(from(Optional.of(CLIENT)), Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        assertThat(sender.deliver(from(Optional.of(other)), Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    /**
     * With PIPELINING, XFORWARD goes in the group with MAIL FROM, RCPT and DATA: no round trip of
     * its own (RFC 2920 lets any command but those that change state go in a group; XFORWARD only
     * records attributes for the transaction that follows, as Postfix's own client sends it). The
     * server here reads the whole group before it answers anything: a client waiting for
     * XFORWARD's reply first would wait forever.
     */
    @Test
    void withPipeliningXforwardGoesInTheGroupWithMailFrom() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test")
            .send("250-mx.test", "250-PIPELINING", "250 XFORWARD ADDR HELO")
            .expect("XFORWARD ADDR=192.0.2.1 HELO=helo.example").expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>")
            .expect("DATA").send("250 2.0.0 Ok", "250 ok", "250 ok", "354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));

        DeliveryResult result = deliver(server, SettingsBuilder.to(server.tcpUri()), from(Optional.of(CLIENT)));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aPipelinedXforwardRefusedLeavesTheGroupToGoOnAndAllRefusedRecipientsEndCleanly() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test")
            .send("250-mx.test", "250-PIPELINING", "250 XFORWARD ADDR")
            .expect("XFORWARD ADDR=192.0.2.1").expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").expect("DATA")
            .send("550 5.7.0 Error: insufficient authorization", "250 ok", "550 5.1.1 unknown", "554 5.5.1 no valid recipients")
            .expect("QUIT").send("221 bye"));

        DeliveryResult result = deliver(server, SettingsBuilder.to(server.tcpUri()), from(Optional.of(CLIENT)));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").serverReply().orElseThrow().code()).isEqualTo(550);
        assertThat(server.onlyConversation().messages).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aClientPacedTransactionPipelinesXforwardWithMailFromAndItsFirstRecipient() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test")
            .send("250-mx.test", "250-PIPELINING", "250 XFORWARD ADDR")
            .expect("XFORWARD ADDR=192.0.2.1").expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>")
            .send("250 Ok", "250 ok", "250 2.1.5 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com").withOrigin(Optional.of(CLIENT)), java.time.Duration.ofMinutes(1))) {
            assertThat(transaction.recipient("b@example.com")).isEqualTo(Reply.of(250, "2.1.5 ok"));
            assertThat(transaction.message(Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aLongClientIsSplitOverCommandsPostfixTakes() {
        ClientOrigin longName = new ClientOrigin(Optional.of("192.0.2.1"), Optional.of("n".repeat(250)), Optional.of("h".repeat(250)),
            Optional.of("ESMTP"), false);
        List<String> commands = XForward.commands(longName, java.util.Set.of("NAME", "ADDR", "PROTO", "HELO", "SOURCE"));
        assertThat(commands).hasSize(2).allSatisfy(command -> assertThat(command.length()).isLessThanOrEqualTo(500));
        assertThat(String.join(" ", commands)).contains("NAME=" + "n".repeat(250)).contains("HELO=" + "h".repeat(250));
        ClientOrigin tooLong = new ClientOrigin(Optional.empty(), Optional.empty(), Optional.of("h".repeat(300)), Optional.empty(), true);
        assertThat(XForward.commands(tooLong, java.util.Set.of("HELO", "SOURCE"))).containsExactly("XFORWARD HELO=[UNAVAILABLE] SOURCE=LOCAL");
    }
}
