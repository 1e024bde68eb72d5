package org.remoteforward.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The server side of SMTP's line protocol, for the test servers: commands in, replies out, a message up to its dot. */
public final class SmtpLines {
    private SmtpLines() {
    }

    /** The address between the angle brackets of {@code MAIL FROM:<…>} or {@code RCPT TO:<…>}; empty when there is none. */
    public static String path(String command) {
        int open = command.indexOf('<');
        int close = command.indexOf('>', open + 1);
        return open < 0 || close < 0 ? "" : command.substring(open + 1, close);
    }

    /** Sends one reply (its lines joined by CRLF already, for a multi-line one) and flushes it. */
    public static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next command line without its CRLF; null when the client closed the connection. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return null;
    }

    /** Reads CRLF lines up to the lone dot, undoing dot-stuffing. */
    public static byte[] readMessage(InputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            line.write(b);
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                line.reset();
                if (bytes.length == 3 && bytes[0] == '.' && bytes[1] == '\r') {
                    return message.toByteArray();
                }
                int start = bytes[0] == '.' ? 1 : 0;
                message.write(bytes, start, bytes.length - start);
            }
        }
        throw new IOException("connection closed during DATA");
    }
}
