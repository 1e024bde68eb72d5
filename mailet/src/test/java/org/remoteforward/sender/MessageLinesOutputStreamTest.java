package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.remoteforward.testing.Messages;
import org.junit.jupiter.params.provider.CsvSource;

class MessageLinesOutputStreamTest {

    private static String stuffed(String message, boolean byteAtATime) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        MessageLinesOutputStream data = MessageLinesOutputStream.forData(wire);
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (byteAtATime) {
            for (byte b : bytes) {
                data.write(b);
            }
        } else {
            data.write(bytes, 0, bytes.length);
        }
        data.finishData();
        return wire.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a\\r\\nb\\r\\n|a\\r\\nb\\r\\n.\\r\\n",
        ".a\\r\\n|..a\\r\\n.\\r\\n",
        "a\\r\\n.\\r\\nb\\r\\n|a\\r\\n..\\r\\nb\\r\\n.\\r\\n",
        "a\\r\\n..b|a\\r\\n...b\\r\\n.\\r\\n",
        "a\\nb\\n|a\\r\\nb\\r\\n.\\r\\n",
        // a CR no LF follows ends no line for James's readers, so none here: it is a space
        "a\\rb|a b\\r\\n.\\r\\n",
        "a\\r|a \\r\\n.\\r\\n",
        "a\\r\\r\\nb|a \\r\\nb\\r\\n.\\r\\n",
        "\\r.\\r\\n|' .\\r\\n.\\r\\n'",
        "a\\r.\\r\\n|a .\\r\\n.\\r\\n",
        "a\\r\\n.\\rb\\r\\n|a\\r\\n.. b\\r\\n.\\r\\n",
        "Received: from x\\rAuthentication-Results: y\\r\\n\\r\\nbody|Received: from x Authentication-Results: y\\r\\n\\r\\nbody\\r\\n.\\r\\n",
        "no end|no end\\r\\n.\\r\\n",
        "x.y\\r\\n|x.y\\r\\n.\\r\\n",
        "\\r\\n.\\r\\n|\\r\\n..\\r\\n.\\r\\n",
        "\\n.\\n|\\r\\n..\\r\\n.\\r\\n",
    })
    void stuffsDotsAndEndsLinesWithCrlf(String input, String expected) throws IOException {
        String in = unescape(input);
        String out = unescape(expected);
        assertThat(stuffed(in, false)).isEqualTo(out);
        assertThat(stuffed(in, true)).isEqualTo(out);
    }

    @ParameterizedTest
    @CsvSource({"1", "2", "3", "7"})
    void chunkBoundariesDoNotMatter(int chunk) throws IOException {
        String message = ".start\r\nmid\r\n.dot\nbare\rcr\r\n..\r\nend";
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        MessageLinesOutputStream data = MessageLinesOutputStream.forData(wire);
        for (int i = 0; i < bytes.length; i += chunk) {
            data.write(bytes, i, Math.min(chunk, bytes.length - i));
        }
        data.finishData();
        assertThat(wire.toString(StandardCharsets.UTF_8)).isEqualTo(stuffed(message, true));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        ".a\\r\\nb|.a\\r\\nb\\r\\n",
        "a\\nb\\n|a\\r\\nb\\r\\n",
        "x\\r\\n.\\r\\n|x\\r\\n.\\r\\n",
        "a\\rb|a b\\r\\n",
        "H: x\\rI: y\\r\\n\\r\\nb\\r|H: x I: y\\r\\n\\r\\nb \\r\\n"})
    void chunksGetCrlfLinesWithoutDotStuffing(String input, String expected) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        MessageLinesOutputStream chunks = MessageLinesOutputStream.forChunks(wire);
        byte[] bytes = unescape(input).getBytes(StandardCharsets.UTF_8);
        chunks.write(bytes, 0, bytes.length);
        chunks.endLastLine();
        assertThat(wire.toString(StandardCharsets.UTF_8)).isEqualTo(unescape(expected));
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void aStrayCrIsAnOctetOfItsLineWhenTheLinesAreMeasured(boolean inHeaders) throws IOException {
        // 499 + the CR's space + 499 = 999 octets on one line as sent: over RFC 5321's 998, where two lines of 499 were not
        String line = "x".repeat(499) + "\r" + "y".repeat(499);
        String message = inHeaders ? "Subject: " + line + "\r\n\r\nbody\r\n" : "Subject: s\r\n\r\n" + line + "\r\n";
        MessageTraits traits = MessageTraits.scan(Messages.of(message));
        assertThat(traits.longestLine()).isEqualTo(line.length() + (inHeaders ? "Subject: ".length() : 0));
        assertThat(traits.hasOverlongLine()).isTrue();
        assertThat(MessageTraits.scan(Messages.of("a\r\r\nb\r")).longestLine()).isEqualTo(2);
    }

    private static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
