package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

class PipeliningAndChunkingTest {
    private static final String MESSAGE = "Subject: lines\r\n\r\n.a dot line\r\n..two dots\r\nend\r\n";
    private static final Envelope THREE = new Envelope("a@example.com", List.of("b@example.com", "x@example.com", "c@example.com"));

    @RegisterExtension
    final Started started = new Started();

    private static ConnectionSettings levers(boolean pipelining, boolean chunking) {
        return new ConnectionSettings(false, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 1, Duration.ZERO, pipelining, chunking);
    }

    private DeliveryResult deliver(Script script, ConnectionSettings connections, Envelope envelope, String message) throws Exception {
        ScriptedServer server = started.tcp(script);
        DeliveryResult result = started.sender(SettingsBuilder.to(server.tcpUri()).connections(connections))
            .deliver(envelope, Messages.of(message));
        lastServer = server;
        return result;
    }

    private ScriptedServer lastServer;

    @Test
    void mailRcptAndDataGoInOneWriteAndRepliesAreMatchedInOrder() throws Exception {
        // the server reads every command before answering any: without pipelining the client would wait forever for MAIL's reply
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING")
                .expect("MAIL FROM:<a@example.com>")
                .expect("RCPT TO:<b@example.com>")
                .expect("RCPT TO:<x@example.com>")
                .expect("RCPT TO:<c@example.com>")
                .expect("DATA")
                .send("250 2.1.0 ok", "250 2.1.5 ok", "550 5.1.1 no such user", "250 2.1.5 ok", "354 go")
                .receiveMessage().send("250 2.0.0 queued")
                .expect("QUIT").send("221 bye"),
            levers(true, false), THREE, MESSAGE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("x@example.com").serverReply().orElseThrow().code()).isEqualTo(550);
        assertThat(result.of("c@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(lastServer.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void pipelinedDataRefusedForNobodySendsNoBody() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING")
                .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").expect("DATA")
                .send("250 ok", "550 5.1.1 unknown", "554 5.5.1 no valid recipients")
                .expect("QUIT").send("221 bye"),
            levers(true, false), new Envelope("a@example.com", List.of("b@example.com")), MESSAGE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(lastServer.onlyConversation().messages).isEmpty();
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void aRefusedPipelinedMailFromDecidesEveryRecipient() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING")
                .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").expect("RCPT TO:<x@example.com>")
                .expect("RCPT TO:<c@example.com>").expect("DATA")
                .send("451 4.3.0 later", "503 5.5.1 no MAIL", "503 5.5.1 no MAIL", "503 5.5.1 no MAIL", "503 5.5.1 no MAIL")
                .expect("QUIT").send("221 bye"),
            levers(true, false), THREE, MESSAGE);

        assertThat(result.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
            assertThat(r.serverReply().orElseThrow().code()).isEqualTo(451);
        });
    }

    @Test
    void withoutPipeliningAdvertisedCommandsGoOneByOne() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            levers(true, true), new Envelope("a@example.com", List.of("b@example.com")), MESSAGE);

        assertThat(result.failed()).isEmpty();
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void chunkingSendsTheMessageUnstuffedWithBdat() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .receiveChunks("250 2.0.0 queued")
                .expect("QUIT").send("221 bye"),
            levers(true, true), new Envelope("a@example.com", List.of("b@example.com")), MESSAGE);

        assertThat(result.failed()).isEmpty();
        assertThat(lastServer.onlyConversation().commands).contains("BDAT " + MESSAGE.length() + " LAST").doesNotContain("DATA");
        assertThat(lastServer.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void aLargeMessageGoesInSeveralChunksWithPipelinedEnvelope() throws Exception {
        StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
        while (big.length() < 3 * ChunkingOutputStream.CHUNK_SIZE) {
            big.append(".0123456789abcdefghijklmnopqrstuvwxyz\r\n");
        }
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test")
                .send("250-mx.test", "250-PIPELINING", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").send("250 ok", "250 ok")
                .receiveChunks("250 2.0.0 queued")
                .expect("QUIT").send("221 bye"),
            levers(true, true), new Envelope("a@example.com", List.of("b@example.com")), big.toString());

        assertThat(result.failed()).isEmpty();
        assertThat(lastServer.onlyConversation().commands.stream().filter(c -> c.startsWith("BDAT"))).hasSize(4);
        assertThat(lastServer.onlyConversation().onlyMessage()).isEqualTo(big.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * With PIPELINING and CHUNKING the message's first chunk closes the envelope's group (RFC 3030
     * lets BDAT be pipelined): a message of one chunk is one round trip. The server here answers
     * nothing before it has read the chunk, so a client waiting for the RCPT replies first would
     * wait forever.
     */
    @Test
    void theEnvelopeAndAOneChunkMessageGoInOneWrite() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test")
                .send("250-mx.test", "250-PIPELINING", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").expect("RCPT TO:<x@example.com>")
                .expect("RCPT TO:<c@example.com>")
                .receiveChunks("250 2.1.0 ok", "250 2.1.5 ok", "550 5.1.1 no such user", "250 2.1.5 ok", "250 2.0.0 queued as 9")
                .expect("QUIT").send("221 bye"),
            levers(true, true), THREE, MESSAGE);

        assertThat(result.of("b@example.com").serverReply()).contains(Reply.of(250, "2.0.0 queued as 9"));
        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("c@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(lastServer.onlyConversation().onlyMessage()).isEqualTo(MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void everyRecipientRefusedWithTheChunkAlreadySentEndsTheTransactionCleanly() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test")
            .send("250-mx.test", "250-PIPELINING", "250 CHUNKING")
            .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>")
            .receiveChunks("250 ok", "550 5.1.1 unknown", "554 5.5.1 no valid recipients")
            // a refused BDAT need not end the server's transaction (Dovecot keeps it): RSET before the next
            .expect("RSET").send("250 2.0.0 ok")
            .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<c@example.com>")
            .receiveChunks("250 ok", "250 ok", "250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri()).connections(
            new ConnectionSettings(true, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, Duration.ZERO, true, true)));

        DeliveryResult refused = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(MESSAGE));
        DeliveryResult next = sender.deliver(new Envelope("a@example.com", List.of("c@example.com")), Messages.of(MESSAGE));
        sender.close();

        assertThat(refused.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(refused.of("b@example.com").serverReply().orElseThrow().code()).isEqualTo(550);
        assertThat(next.of("c@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aLargeMessagesFirstChunkClosesTheGroupAndTheRestFollowsItsReply() throws Exception {
        String big = twoChunks();
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test")
                .send("250-mx.test", "250-PIPELINING", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>")
                .answerChunkAfterReading("250 ok", "250 ok", "250 2.0.0 chunk received")
                .receiveChunks("250 2.0.0 queued")
                .expect("QUIT").send("221 bye"),
            levers(true, true), new Envelope("a@example.com", List.of("b@example.com")), big);

        assertThat(result.failed()).isEmpty();
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void lmtpPipelinesTheChunkAndReadsOneFinalReplyPerAcceptedRecipient() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO client.test")
            .send("250-lmtp.test", "250-PIPELINING", "250 CHUNKING")
            .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>").expect("RCPT TO:<x@example.com>")
            .expect("RCPT TO:<c@example.com>")
            .receiveChunks("250 ok", "250 ok", "550 5.1.1 unknown", "250 ok", "250 2.0.0 b saved", "452 4.2.2 c over quota")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp().connections(levers(true, true)))
            .deliver(THREE, Messages.of(MESSAGE));

        assertThat(result.of("b@example.com").serverReply()).contains(Reply.of(250, "2.0.0 b saved"));
        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("c@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void lmtpWithEveryRecipientRefusedReadsTheOneReplyToTheLastChunk() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO client.test")
            .send("250-lmtp.test", "250-PIPELINING", "250 CHUNKING")
            .expect("MAIL FROM:<a@example.com>").expect("RCPT TO:<b@example.com>")
            .receiveChunks("250 ok", "550 5.1.1 unknown", "503 5.5.1 no valid recipients")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp().connections(levers(true, true)))
            .deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(MESSAGE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void lmtpOverBdatGetsOneFinalReplyPerRecipient() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO client.test").send("250-lmtp.test", "250 CHUNKING")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("RCPT TO:<x@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("250 ok")
            .receiveChunks("250 2.0.0 saved", "452 4.2.2 over quota", "250 2.0.0 saved")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = started.sender(SettingsBuilder.to(server.tcpUri()).lmtp().connections(levers(false, true)))
            .deliver(THREE, Messages.of(MESSAGE));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("x@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("c@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(server.violations()).isEmpty();
    }

    /** A message of at least two BDAT chunks. */
    private static String twoChunks() {
        StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
        while (big.length() < 2 * ChunkingOutputStream.CHUNK_SIZE) {
            big.append("0123456789abcdefghijklmnopqrstuvwxyz\r\n");
        }
        return big.toString();
    }

    @Test
    void aRefusedChunkDecidesTheRecipientsAndEndsTheSession() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .refuseChunk("552 5.3.4 message too big"),
            levers(false, true), new Envelope("a@example.com", List.of("b@example.com")), twoChunks());

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(b.serverReply().orElseThrow().code()).isEqualTo(552);
        assertThat(b.detail()).contains("BDAT");
        assertThat(lastServer.onlyConversation().commands).doesNotContain("QUIT");
    }

    @Test
    void aChunkAnsweredWithA3xxIsABrokenSessionRetriedNotARefusal() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .refuseChunk("354 send more"),
            levers(false, true), new Envelope("a@example.com", List.of("b@example.com")), twoChunks());

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.reply().code()).isEqualTo(451);
        assertThat(b.detail()).endsWith("answered BDAT with 354 send more");
        assertThat(b.serverReply()).isEmpty();
    }

    @Test
    void chunkingCanBeSwitchedOff() throws Exception {
        DeliveryResult result = deliver(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 CHUNKING")
                .expect("MAIL FROM:<a@example.com>").send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go")
                .receiveMessage().send("250 ok")
                .expect("QUIT").send("221 bye"),
            levers(false, false), new Envelope("a@example.com", List.of("b@example.com")), MESSAGE);

        assertThat(result.failed()).isEmpty();
        assertThat(lastServer.violations()).isEmpty();
    }

    @Test
    void aPipelinedGroupOfThousandsOfRecipientsNeverDeadlocksOnFullBuffers() throws Exception {
        // the server answers each command as it reads it, and its long replies fill the buffers back to us
        // while our commands are still going out: a client that writes the whole group before reading blocks both sides
        int count = 60_000;
        String padding = "p".repeat(180);
        String reply = "250 2.1.5 recipient accepted, " + "r".repeat(470);
        Script script = Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 PIPELINING")
            .expect("MAIL FROM:<a@example.com>").send("250 ok");
        List<String> recipients = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String recipient = padding + i + "@example.com";
            recipients.add(recipient);
            script.expect("RCPT TO:<" + recipient + ">").send(reply);
        }
        ScriptedServer server = started.tcp(script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(server.tcpUri())
            .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30)));

        DeliveryResult result = sender.deliver(new Envelope("a@example.com", recipients), Messages.of(Messages.SIMPLE));
        sender.close();

        assertThat(result.failed()).as(result.failed().isEmpty() ? "" : result.failed().get(0).detail()).isEmpty();
        assertThat(result.delivered()).hasSize(count);
        assertThat(server.violations()).isEmpty();
    }
}
