package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
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
        "a\\rb|a\\r\\nb\\r\\n.\\r\\n",
        "a\\r|a\\r\\n.\\r\\n",
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
        "a\\rb|a\\r\\nb\\r\\n"})
    void chunksGetCrlfLinesWithoutDotStuffing(String input, String expected) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        MessageLinesOutputStream chunks = MessageLinesOutputStream.forChunks(wire);
        byte[] bytes = unescape(input).getBytes(StandardCharsets.UTF_8);
        chunks.write(bytes, 0, bytes.length);
        chunks.endLastLine();
        assertThat(wire.toString(StandardCharsets.UTF_8)).isEqualTo(unescape(expected));
    }

    private static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
