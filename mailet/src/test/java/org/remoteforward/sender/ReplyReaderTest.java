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
