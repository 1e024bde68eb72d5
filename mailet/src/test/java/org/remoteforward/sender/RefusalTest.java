package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * A recipient refused on this side carries the reply the sender made for it, the same on the
 * queued path (its result) and on the synchronous one (its RCPT's answer), with no server reply
 * beside it; and the outcome always follows the reply's class.
 */
class RefusalTest {
    private static final Duration PATIENT = Duration.ofMinutes(1);

    @RegisterExtension
    final Started started = new Started();

    static Stream<Arguments> refusalsOfEachCause() {
        NoEndpointAvailableException unreachable = new NoEndpointAvailableException("tcp://mx.test:25: connection refused", false);
        NoEndpointAvailableException busy = new NoEndpointAvailableException("all 10 sessions in use (maxConnections)", true);
        return Stream.of(
            Arguments.of("bad sender", Refusal.badSender("a\u0001@example.com", "a control character")),
            Arguments.of("bad recipient", Refusal.badRecipient("b\u0001@example.com", "a control character")),
            Arguments.of("sender routing", Refusal.senderRouting("b%evil.org@example.com", "'%' in its local part")),
            Arguments.of("needs SMTPUTF8", Refusal.needsSmtpUtf8("recipient d\u00e9@example.com needs SMTPUTF8")),
            Arguments.of("no credentials", Refusal.credentialsUnavailable("the client did not authenticate", false)),
            Arguments.of("credentials sealed with another key", Refusal.credentialsUnavailable("sealed with k1, this node has k2", true)),
            Arguments.of("no endpoint", Refusal.noEndpoint(unreachable)),
            Arguments.of("all busy", Refusal.noEndpoint(busy)),
            Arguments.of("AUTH refused for now", Refusal.authRefused(Reply.of(454, "4.7.0 try later"))),
            Arguments.of("AUTH refused", Refusal.authRefused(Reply.of(535, "5.7.8 bad credentials"))),
            Arguments.of("MAIL FROM refused for now", Refusal.mailFromRefused(Reply.of(421, "4.3.2 shutting down"))),
            Arguments.of("MAIL FROM refused", Refusal.mailFromRefused(Reply.of(553, "5.7.1 sender refused"))),
            Arguments.of("message unsendable", Refusal.unsendableMessage("a line of 999 octets; SMTP allows 998")),
            Arguments.of("message over the size limit", Refusal.overSizeLimit("message of 200 bytes is larger than the SIZE limit of 100 bytes")),
            Arguments.of("declared size over the limit", Refusal.declaredOverLimit("size 200 is larger than the SIZE limit of 100 bytes")),
            Arguments.of("broken off", Refusal.brokeOff("tcp://mx.test:25: connection reset")),
            Arguments.of("local error", Refusal.localError("a defect")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusalsOfEachCause")
    void theOutcomeFollowsTheReplysClassAndTheEnhancedCodeAgrees(String name, Refusal refusal) {
        Reply reply = refusal.reply();

        assertThat(reply.code() / 100).isIn(4, 5);
        assertThat(refusal.outcome()).isEqualTo(reply.isTransient() ? Outcome.TEMPORARY_FAILURE : Outcome.PERMANENT_FAILURE);
        assertThat(reply.enhancedStatus()).hasValueSatisfying(status -> assertThat(status.statusClass()).isEqualTo(reply.code() / 100));
        assertThat(refusal.detail().isEmpty()).isEqualTo(refusal.downstream().isPresent());
    }

    @Test
    void aRefusalNeedsANegativeReply() {
        assertThatThrownBy(() -> new Refusal(Reply.of(250, "2.0.0 ok"), Optional.empty(), "", "why"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("250");
    }

    static Stream<Arguments> recipientsRefusedBeforeTheWire() {
        return Stream.of(
            Arguments.of("sender-specified routing", "victim%evil.org@example.com",
                Reply.of(550, "5.7.1 recipient refused: sender-specified routing ('%' in its local part) is not forwarded")),
            Arguments.of("a control character", "vic\u0007tim@example.com", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipientsRefusedBeforeTheWire")
    void aRecipientRefusedHereCarriesTheSameReplyOnBothPaths(String name, String recipient, Reply expected) throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 2.1.5 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued as 7")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        DeliveryResult queued = sender.deliver(new Envelope("a@example.com", List.of(recipient, "b@example.com")), Messages.of(Messages.SIMPLE));
        Reply answeredAtRcpt;
        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            answeredAtRcpt = transaction.recipient(recipient);
        }
        sender.close();

        RecipientResult refused = queued.of(recipient);
        assertThat(refused.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(refused.reply()).isEqualTo(answeredAtRcpt);
        if (expected != null) {
            assertThat(refused.reply()).isEqualTo(expected);
        } else {
            assertThat(refused.reply().code()).isEqualTo(553);
            assertThat(refused.reply().toString()).startsWith("553 5.1.3 recipient refused: ").doesNotContain("\u0007");
        }
        assertThat(refused.serverReply()).isEmpty();
        RecipientResult delivered = queued.of("b@example.com");
        assertThat(delivered.reply()).isEqualTo(Reply.of(250, "2.0.0 queued as 7"));
        assertThat(delivered.serverReply()).contains(delivered.reply());
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void noEndpointReachableIsATemporaryRefusalOfOurOwn() throws Exception {
        int closedPort = LoopbackPorts.freePort();
        DownstreamSender sender = started.sender(SettingsBuilder.to("tcp://127.0.0.1:" + closedPort));

        RecipientResult queued = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE))
            .of("b@example.com");
        Reply answeredAtRcpt;
        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            answeredAtRcpt = transaction.recipient("b@example.com");
        }

        assertThat(queued.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(queued.reply().toString()).startsWith("451 4.4.1 downstream unavailable: ").contains(String.valueOf(closedPort));
        assertThat(answeredAtRcpt.toString()).startsWith("451 4.4.1 downstream unavailable: ");
        assertThat(queued.serverReply()).isEmpty();
        assertThat(queued.endpoint()).isEmpty();
    }

    static Stream<Arguments> withAndWithoutPipelining() {
        return Stream.of(
            Arguments.of("one command at a time", new String[] {"250 mx.test"}),
            Arguments.of("pipelined", new String[] {"250-mx.test", "250 PIPELINING"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withAndWithoutPipelining")
    void aMailFromAnsweredOutsideTheRefusalClassesIsATemporaryFailureWithAReplyAClientCanTake(String name, String[] ehlo)
        throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send(ehlo)
            .expect("MAIL FROM:<a@example.com>").send("354 what now"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        RecipientResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE))
            .of("b@example.com");
        sender.close();

        assertThat(result.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.reply().code()).isEqualTo(451);
        assertThat(result.detail()).contains("MAIL FROM").contains("354 what now");
    }

    @Test
    void aSessionBrokenAfterTheMessageLeavesTheTemporaryReplyTheClientIsGiven() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().drop());
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()));

        RecipientResult result;
        try (Transaction transaction = sender.begin(MailFrom.of("a@example.com"), PATIENT)) {
            transaction.recipient("b@example.com");
            result = transaction.message(Messages.of(Messages.SIMPLE)).of("b@example.com");
        }
        sender.close();

        assertThat(result.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.reply().toString()).startsWith("451 4.4.2 " + server.tcpUri() + ": ");
        assertThat(result.reply().text()).endsWith(result.detail());
        assertThat(result.serverReply()).isEmpty();
    }
}
