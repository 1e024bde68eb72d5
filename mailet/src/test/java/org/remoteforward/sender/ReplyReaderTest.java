package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReplyReaderTest {
    private static ReplyReader reader(String wire) {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsSingleAndMultiLineRepliesInSequence() throws Exception {
        ReplyReader reader = reader("220 mx ready\r\n250-mx.test\r\n250-SIZE 100\r\n250 8BITMIME\r\n354\r\n");
        assertThat(reader.read()).isEqualTo(new Reply(220, List.of("mx ready")));
        assertThat(reader.read()).isEqualTo(new Reply(250, List.of("mx.test", "SIZE 100", "8BITMIME")));
        assertThat(reader.read()).isEqualTo(new Reply(354, List.of("")));
    }

    @Test
    void repliesReadInBulkComeOutTheSameWhetherTheyTrickleByteByByteOrCrossTheBufferInOneRead() throws Exception {
        StringBuilder wire = new StringBuilder();
        List<Reply> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // lines of varying length, so that lines straddle every position of the reader's buffer
            String text = "2.1.5 recipient " + i + " ok " + "x".repeat(i * 7 % 300);
            wire.append("250-").append(text).append("\r\n250 last ").append(i).append("\r\n");
            expected.add(new Reply(250, List.of(text, "last " + i)));
        }
        byte[] bytes = wire.toString().getBytes(StandardCharsets.UTF_8);
        ReplyReader bulk = reader(wire.toString());
        ReplyReader trickle = new ReplyReader(new java.io.InputStream() {
            private int next;

            @Override
            public int read() {
                return next < bytes.length ? bytes[next++] : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                // one byte a read, as a server writing slowly delivers it
                int b = read();
                if (b < 0) {
                    return -1;
                }
                buffer[offset] = (byte) b;
                return 1;
            }
        });
        for (Reply reply : expected) {
            assertThat(bulk.read()).isEqualTo(reply);
            assertThat(trickle.read()).isEqualTo(reply);
        }
        assertThatThrownBy(bulk::read).hasMessageContaining("connection closed by server");
    }

    @Test
    void bytesAfterAReplyAreCountedAsBufferedNotLost() throws Exception {
        ReplyReader reader = reader("220 go ahead\r\nINJECTED\r\n");
        assertThat(reader.read()).isEqualTo(Reply.of(220, "go ahead"));
        assertThat(reader.buffered()).isEqualTo("INJECTED\r\n".length());
    }

    @Test
    void aLineWithoutEndIsRefusedOnceLongerThanTheLimitAcrossReads() {
        String endless = "250 " + "y".repeat(3 * ReplyReader.MAX_LINE_BYTES);
        assertThatThrownBy(() -> reader(endless).read()).hasMessageContaining("longer than " + ReplyReader.MAX_LINE_BYTES);
    }

    @Test
    void acceptsBareLineFeeds() throws Exception {
        assertThat(reader("250 ok\n").read()).isEqualTo(Reply.of(250, "ok"));
    }

    @Test
    void enhancedStatusOnlyWhenItsClassMatchesTheCode() {
        assertThat(Reply.of(550, "5.1.1 no such user").enhancedStatus()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(Reply.of(550, "4.1.1 mismatched").enhancedStatus()).isEmpty();
        assertThat(Reply.of(250, "2.0.0").enhancedStatus()).contains(new EnhancedStatus(2, 0, 0));
        assertThat(Reply.of(250, "2.0.0.1 version").enhancedStatus()).isEmpty();
        assertThat(new Reply(550, List.of("5.1.1 no", "5.1.1 such user")).text()).isEqualTo("no such user");
    }

    @Test
    void enhancedStatusIsTheLastOneAMultiLineReplyCarries() {
        // RFC 2034: every line may carry it; servers that put it on one line put it on the last (Cyrus, Exim)
        assertThat(new Reply(550, List.of("Mailbox unknown.", "5.1.1 User unknown")).enhancedStatus()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(new Reply(550, List.of("5.7.1 first", "5.1.1 last")).enhancedStatus()).contains(new EnhancedStatus(5, 1, 1));
        assertThat(new Reply(550, List.of("5.7.1 only here", "more prose")).enhancedStatus()).contains(new EnhancedStatus(5, 7, 1));
        assertThat(new Reply(550, List.of("prose", "4.1.1 wrong class")).enhancedStatus()).isEmpty();
    }

    @Test
    void replyTextLosesEveryControlCharacterWhereItIsRead() throws Exception {
        Reply reply = reader("550-5.1.1 bad\u001b[2J\u0000 user\rinjected\r\n550 5.1.1 tab\there\u0085\u007f end\r\n").read();
        assertThat(reply.lines()).containsExactly("5.1.1 bad[2J userinjected", "5.1.1 tab here end");
    }

    @Test
    void anEnhancedStatusWithLeadingZerosDoesNotGarbleTheText() {
        assertThat(Reply.of(550, "5.01.1 mailbox unavailable").text()).isEqualTo("mailbox unavailable");
        assertThat(Reply.of(550, "5.01.1 mailbox unavailable").enhancedStatus()).contains(new EnhancedStatus(5, 1, 1));
    }

    @Test
    void linesToRelayKeepEachLineWithin512OctetsAndTheEnhancedCodeOnEveryPiece() {
        String accents = "\u00e9".repeat(300);
        Reply reply = new Reply(550, List.of("5.7.1 " + "x".repeat(1000), "5.7.1 " + accents, "no code here"));

        List<String> lines = reply.linesToRelay(32);

        assertThat(lines).allSatisfy(line -> assertThat(("550-" + line + "\r\n").getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(512));
        assertThat(lines).allSatisfy(line -> assertThat(line).satisfiesAnyOf(l -> assertThat(l).startsWith("5.7.1 "), l -> assertThat(l).isEqualTo("no code here")));
        assertThat(String.join("", lines).replace("5.7.1 ", "")).isEqualTo("x".repeat(1000) + accents + "no code here");
    }

    @Test
    void linesToRelaySayHowManyLinesWereLeftOut() {
        List<String> many = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "4.3.0 line " + i).toList();

        List<String> lines = new Reply(451, many).linesToRelay(5);

        assertThat(lines).containsExactly("4.3.0 line 0", "4.3.0 line 1", "4.3.0 line 2", "4.3.0 line 3",
            "4.3.0 (96 more lines from the downstream server not shown)");
        assertThat(new Reply(451, many.subList(0, 5)).linesToRelay(5)).isEqualTo(many.subList(0, 5));
    }

    @Test
    void refusesGarbage() {
        assertThatThrownBy(() -> reader("hello\r\n").read()).hasMessageContaining("malformed reply line 'hello'");
        assertThatThrownBy(() -> reader("250x\r\n").read()).hasMessageContaining("malformed");
        assertThatThrownBy(() -> reader("999 what\r\n").read()).hasMessageContaining("out of range");
        assertThatThrownBy(() -> reader("250-a\r\n550 b\r\n").read()).hasMessageContaining("changed code from 250 to 550");
        assertThatThrownBy(() -> reader("250-a\r\n").read()).hasMessageContaining("closed");
        assertThatThrownBy(() -> reader("").read()).hasMessageContaining("connection closed by server");
    }

    @Test
    void boundsLineLengthAndLineCount() {
        String longLine = "250 " + "x".repeat(ReplyReader.MAX_LINE_BYTES) + "\r\n";
        assertThatThrownBy(() -> reader(longLine).read()).hasMessageContaining("longer than 4096 bytes");
        String endless = "250-x\r\n".repeat(ReplyReader.MAX_LINES + 1) + "250 x\r\n";
        assertThatThrownBy(() -> reader(endless).read()).hasMessageContaining("longer than 1000 lines");
    }

    @Test
    void readsCapabilities() {
        Capabilities capabilities = Capabilities.fromHelloReply(new Reply(250,
            List.of("mx.test", "SIZE 35882577", "8BITMIME", "AUTH PLAIN LOGIN", "AUTH=CRAM-MD5", "starttls", "SMTPUTF8")));
        assertThat(capabilities.has("STARTTLS")).isTrue();
        assertThat(capabilities.has("SMTPUTF8")).isTrue();
        assertThat(capabilities.maxSize()).hasValue(35882577);
        assertThat(capabilities.authMechanisms()).containsExactlyInAnyOrder("PLAIN", "LOGIN", "CRAM-MD5");
        assertThat(Capabilities.fromHelloReply(new Reply(250, List.of("mx", "SIZE 0"))).maxSize()).isEmpty();
    }
}
