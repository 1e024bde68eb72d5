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

/** {@link DownstreamSender#deliver} over SMTP, against scripted servers: one envelope and message, each recipient's outcome. */
class DeliverTest {
    @RegisterExtension
    final Started started = new Started();
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

    private static Script greeted(String... ehloLines) {
        return Script.of().send("220 mx.test ESMTP").expect("EHLO client.test").send(ehloLines);
    }

    @Test
    void deliversByteIdenticalWithDotStuffingAndQuits() throws Exception {
        String message = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n";
        DeliveryResult result = deliver(greeted("250-mx.test", "250 8BITMIME")
                .expect("MAIL FROM:<a@example.com>").send("250 2.1.0 ok")
                .expect("RCPT TO:<b@example.com>").send("250 2.1.5 ok")
                .expect("DATA").send("354 go ahead")
                .receiveMessage().send("250 2.0.0 queued as 42")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), message);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("b@example.com").serverReply()).contains(Reply.of(250, "2.0.0 queued as 42"));
        ScriptedServer.Conversation conversation = server.onlyConversation();
        assertThat(server.violations()).isEmpty();
        assertThat(new String(conversation.onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(message);
        assertThat(conversation.commands).last().isEqualTo("QUIT");
    }

    @Test
    void a452ThatIsNotTheRecipientLimitIsAnOrdinaryTemporaryFailure() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("RCPT TO:<full@example.com>").send("452 4.2.2 mailbox full")
                .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com", "full@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("full@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(server.violations()).as("no second transaction for a full mailbox").isEmpty();
    }

    @Test
    void a452BeforeAnyRecipientWasAcceptedIsAnOrdinaryTemporaryFailure() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("452 4.5.3 too many recipients")
                .expect("RCPT TO:<c@example.com>").send("452 4.5.3 too many recipients")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com", "c@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).hasSize(2).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE));
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void bareLineFeedsAreSentAsCrlfAndAnUnterminatedLastLineIsEnded() throws Exception {
        deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), "Subject: x\n\nline\n.dot\nlast");

        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8))
            .isEqualTo("Subject: x\r\n\r\nline\r\n.dot\r\nlast\r\n");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void nullSenderIsSentAsEmptyPath() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void fallsBackToHeloWhenEhloIsNotImplemented() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 old.test SMTP")
                .expect("EHLO client.test").send("502 5.5.2 command not implemented")
                .expect("HELO client.test").send("250 old.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void fallsBackToHeloOn500Too() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 old.test SMTP")
                .expect("EHLO client.test").send("500 what?")
                .expect("HELO client.test").send("250 old.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.failed()).isEmpty();
    }

    @Test
    void aRejectedRecipientFailsAloneWithItsReply() throws Exception {
        DeliveryResult result = deliver(greeted("250-mx.test", "250 ENHANCEDSTATUSCODES")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<unknown@example.com>").send("550-5.1.1 no such user", "550 5.1.1 try another")
                .expect("RCPT TO:<busy@example.com>").send("450 4.2.1 mailbox busy")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("unknown@example.com", "busy@example.com", "b@example.com")), Messages.SIMPLE);

        RecipientResult unknown = result.of("unknown@example.com");
        assertThat(unknown.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(unknown.serverReply().orElseThrow().code()).isEqualTo(550);
        assertThat(unknown.serverReply().orElseThrow().enhancedStatus()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(unknown.serverReply().orElseThrow().text()).isEqualTo("no such user try another");
        assertThat(unknown.detail()).contains(server.tcpUri()).contains("RCPT TO");
        assertThat(unknown.endpoint()).contains(Endpoint.parse(server.tcpUri()));
        assertThat(result.of("busy@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.onlyConversation().onlyMessage()).isNotEmpty();
    }

    @Test
    void noDataWhenEveryRecipientIsRejected() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<x@example.com>").send("550 5.1.1 no")
                .expect("RCPT TO:<y@example.com>").send("451 4.3.0 later")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("x@example.com", "y@example.com")), Messages.SIMPLE);

        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("y@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(server.onlyConversation().commands).doesNotContain("DATA");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void mailFromRefusalDecidesEveryRecipient() throws Exception {
        DeliveryResult permanent = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("553 5.7.1 sender refused")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com", "c@example.com")), Messages.SIMPLE);

        assertThat(permanent.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
            assertThat(r.serverReply().orElseThrow().code()).isEqualTo(553);
            assertThat(r.detail()).contains("MAIL FROM");
        });
    }

    @Test
    void temporaryMailFromRefusalIsTemporary() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("421 4.3.2 shutting down"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").serverReply().orElseThrow().code()).isEqualTo(421);
    }

    @Test
    void finalReplyDecidesEveryAcceptedRecipient() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("RCPT TO:<c@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("554 5.6.0 content rejected")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com", "c@example.com")), Messages.SIMPLE);

        assertThat(result.recipients()).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE));
        assertThat(result.of("c@example.com").serverReply().orElseThrow().enhancedStatus()).contains(new EnhancedStatus(5, 6, 0));
    }

    @Test
    void dataRefusalDecidesAcceptedRecipients() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("451 4.3.0 try later")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("DATA");
    }

    @Test
    void connectionDroppedMidTransactionLeavesPendingRecipientsTemporary() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<x@example.com>").send("550 5.1.1 no")
                .expect("RCPT TO:<b@example.com>").drop(),
            new Envelope("a@example.com", List.of("x@example.com", "b@example.com")), Messages.SIMPLE);

        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains(server.tcpUri()).contains("closed");
    }

    @Test
    void malformedReplyIsATemporaryFailureAndClosesTheConnection() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("hello there"),
            new Envelope("a@example.com", List.of("b@example.com")), Messages.SIMPLE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("malformed reply");
        assertThat(server.onlyConversation().commands).doesNotContain("QUIT");
    }

    @Test
    void duplicateRecipientsAreSentOnce() throws Exception {
        DeliveryResult result = deliver(greeted("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            new Envelope("a@example.com", List.of("b@example.com", "b@example.com")), Messages.SIMPLE);

        assertThat(result.recipients()).hasSize(1);
        assertThat(server.violations()).isEmpty();
    }
}
