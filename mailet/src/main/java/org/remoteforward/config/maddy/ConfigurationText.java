package org.remoteforward.config.maddy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of a maddy configuration, as maddy reads it: UTF-8 (a byte order mark before it is not
 * part of it), no control character but tab, CR and LF. Anything else (ISO-8859-1 bytes, a binary,
 * a folder, a file that cannot be read) is refused in one sentence naming the line where it can.
 */
final class ConfigurationText {
    /** Why the input is no configuration text. */
    static final class UnreadableException extends Exception {
        UnreadableException(String message) {
            super(message);
        }
    }

    private ConfigurationText() {
    }

    /** The text of the file {@code name}, or of standard input for {@code -}. */
    static String read(String name) throws UnreadableException {
        byte[] bytes;
        try {
            if (name.equals("-")) {
                try (InputStream in = System.in) {
                    bytes = in.readAllBytes();
                }
            } else {
                Path path = Path.of(name);
                if (Files.isDirectory(path)) {
                    throw new UnreadableException("is a directory, not a maddy configuration");
                }
                bytes = Files.readAllBytes(path);
            }
        } catch (IOException | SecurityException e) {
            throw new UnreadableException("cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        return text(bytes);
    }

    static String text(byte[] bytes) throws UnreadableException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer text = CharBuffer.allocate(bytes.length);
        var result = decoder.decode(in, text, true);
        if (result.isError()) {
            int at = in.position();
            throw new UnreadableException("line " + lineOf(bytes, at) + ": not UTF-8 (byte 0x" + Integer.toHexString(bytes[at] & 0xff)
                + "), which maddy reads its configuration as; convert it first (iconv -f latin1 -t utf-8, say)");
        }
        decoder.flush(text);
        text.flip();
        String decoded = text.toString();
        if (decoded.startsWith("\ufeff")) {
            decoded = decoded.substring(1);
        }
        int line = 1;
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c == '\n') {
                line++;
            } else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
                throw new UnreadableException("line " + line + ": not a text file: control character 0x" + Integer.toHexString(c));
            }
        }
        return decoded;
    }

    private static int lineOf(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
