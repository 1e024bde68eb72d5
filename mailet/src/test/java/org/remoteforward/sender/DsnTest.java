package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.sender.RecipientDsn.Notify;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** The client's DSN request (RFC 3461) passed on: RET and ENVID on MAIL FROM, NOTIFY and ORCPT on each RCPT, where the server offers DSN. */
class DsnTest {
    private static final RecipientDsn SUCCESS_AND_FAILURE = new RecipientDsn(Set.of(Notify.FAILURE, Notify.SUCCESS),
        Optional.of("orig+x@example.com"));
    private static final DsnRequest REQUEST = new DsnRequest(Optional.of(DsnRequest.Return.HDRS), Optional.of("QQ+1 x"),
        Map.of("b@example.com", SUCCESS_AND_FAILURE, "c@example.com", new RecipientDsn(Set.of(Notify.NEVER), Optional.empty())));

    @RegisterExtension
    final Started started = new Started();

    private static Script delivering(String ehlo, String mail, String... rcpts) {
        Script script = Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", ehlo)
            .expect(mail).send("250 ok");
        for (String rcpt : rcpts) {
            script.expect(rcpt).send("250 ok");
        }
        return script.expect("DATA").send("354 go").receiveMessage().send("250 ok").expect("QUIT").send("221 bye");
    }

    private DeliveryResult deliver(ScriptedServer server, Envelope envelope) throws Exception {
        return started.deliverOnce(SettingsBuilder.to(server.tcpUri()), envelope);
    }

    @Test
    void theRequestGoesXtextEncodedToAServerThatOffersDsn() throws Exception {
        ScriptedServer server = started.tcp(delivering("250 DSN",
            "MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ+2B1+20x",
            "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bx@example.com",
            "RCPT TO:<c@example.com> NOTIFY=NEVER",
            "RCPT TO:<d@example.com>"));

        DeliveryResult result = deliver(server, new Envelope("a@example.com", List.of("b@example.com", "c@example.com", "d@example.com"),
            Optional.empty(), Optional.empty(), REQUEST));

        assertThat(server.violations()).isEmpty();
        assertThat(result.failed()).isEmpty();
        // the server took the request on: any further notice is its own to send
        assertThat(result.recipients()).allMatch(RecipientResult::dsnTakenOver);
    }

    @Test
    void aServerWithoutDsnGetsNoneAndTakesNothingOn() throws Exception {
        ScriptedServer server = started.tcp(delivering("250 8BITMIME",
            "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>"));

        DeliveryResult result = deliver(server, new Envelope("a@example.com", List.of("b@example.com"), Optional.empty(), Optional.empty(),
            REQUEST));

        assertThat(server.violations()).isEmpty();
        assertThat(result.of("b@example.com").delivered()).isTrue();
        assertThat(result.of("b@example.com").dsnTakenOver()).isFalse();
    }

    @Test
    void valuesOverRfc3461sLimitsAreLeftOutRatherThanHaveTheCommandRefused() throws Exception {
        DsnRequest tooLong = new DsnRequest(Optional.of(DsnRequest.Return.FULL), Optional.of("e".repeat(101)),
            Map.of("b@example.com", new RecipientDsn(Set.of(Notify.DELAY, Notify.FAILURE), Optional.of("o".repeat(490) + "@example.com"))));
        ScriptedServer server = started.tcp(delivering("250 DSN", "MAIL FROM:<a@example.com> RET=FULL",
            "RCPT TO:<b@example.com> NOTIFY=FAILURE,DELAY"));

        assertThat(deliver(server, new Envelope("a@example.com", List.of("b@example.com"), Optional.empty(), Optional.empty(), tooLong))
            .failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aClientPacedTransactionSendsEachRecipientsOwnRequest() throws Exception {
        ScriptedServer server = started.tcp(delivering("250 DSN", "MAIL FROM:<a@example.com> ENVID=env-1",
            "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bx@example.com",
            "RCPT TO:<d@example.com>"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));
        MailFrom from = MailFrom.of("a@example.com").withDsn(new DsnRequest(Optional.empty(), Optional.of("env-1"), Map.of()));

        try (Transaction transaction = sender.begin(from, Duration.ofMinutes(1))) {
            assertThat(transaction.recipient("b@example.com", SUCCESS_AND_FAILURE).code()).isEqualTo(250);
            assertThat(transaction.recipient("d@example.com").code()).isEqualTo(250);
            assertThat(transaction.message(Messages.of(Messages.SIMPLE)).of("b@example.com").dsnTakenOver()).isTrue();
        }
        sender.close();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void xtextEncodesAndDecodesBackWithoutEncodingTwice() {
        assertThat(Xtext.encode("a+b=c d\u00e9")).isEqualTo("a+2Bb+3Dc+20d+C3+A9");
        assertThat(Xtext.decode("a+2Bb+3Dc+20d+C3+A9")).contains("a+b=c d\u00e9");
        assertThat(Xtext.decode("plain@example.com")).contains("plain@example.com");
        // not xtext: a bare "+" (an address sent unencoded), lower-case hex, "=", a space
        assertThat(Xtext.decode("a+b@example.com")).isEmpty();
        assertThat(Xtext.decode("a+2b")).isEmpty();
        assertThat(Xtext.decode("a=b")).isEmpty();
        assertThat(Xtext.decode("a b")).isEmpty();
        assertThat(Xtext.decode("a+2")).isEmpty();
    }
}
