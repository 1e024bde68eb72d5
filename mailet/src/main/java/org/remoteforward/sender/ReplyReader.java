package org.remoteforward.sender;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads replies off the wire, bounded so that a hostile or broken server cannot make us hold an
 * unbounded line or an endless multi-line reply, and cleaned: the text of every reply line loses
 * its control characters here, at the one place network text enters, so that no log line, bounce
 * or reply relayed to a client ever carries a bare CR, a NUL or a terminal escape from a server.
 */
final class ReplyReader {
    /** RFC 5321 allows 512 octets a reply line; real servers exceed it, so allow eight times that. */
    static final int MAX_LINE_BYTES = 4096;
    static final int MAX_LINES = 1000;

    private final InputStream in;
    /**
     * What has been read off the stream and not yet taken as a reply line, {@code start} to
     * {@code end}: reading in bulk rather than byte by byte, which was a tenth of the sender's
     * time. Holds a whole line at most plus what came with it.
     */
    private final byte[] buffer = new byte[2 * MAX_LINE_BYTES];
    private int start;
    private int end;

    ReplyReader(InputStream in) {
        this.in = in;
    }

    /** Bytes received after the last reply read (a server that spoke out of turn, say), besides what the stream still holds. */
    int buffered() {
        return end - start;
    }

    Reply read() throws IOException {
        List<String> texts = new ArrayList<>();
        int code = -1;
        while (true) {
            String raw = readLine();
            if (raw.length() < 3 || !isCode(raw)) {
                throw new ProtocolException("malformed reply line '" + printable(raw) + "'");
            }
            int lineCode = Integer.parseInt(raw.substring(0, 3));
            if (lineCode < 200 || lineCode > 599) {
                throw new ProtocolException("reply code out of range in '" + printable(raw) + "'");
            }
            if (code == -1) {
                code = lineCode;
            } else if (lineCode != code) {
                throw new ProtocolException("multi-line reply changed code from " + code + " to " + lineCode);
            }
            char separator = raw.length() > 3 ? raw.charAt(3) : ' ';
            if (separator != ' ' && separator != '-') {
                throw new ProtocolException("malformed reply line '" + printable(raw) + "'");
            }
            texts.add(raw.length() > 4 ? clean(raw.substring(4)) : "");
            if (separator == ' ') {
                return new Reply(code, texts);
            }
            if (texts.size() >= MAX_LINES) {
                throw new ProtocolException("multi-line reply longer than " + MAX_LINES + " lines");
            }
        }
    }

    private String readLine() throws IOException {
        int scanned = start;
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buffer[i] == '\n') {
                    int length = i - start;
                    if (length > 0 && buffer[i - 1] == '\r') {
                        length--;
                    }
                    if (length > MAX_LINE_BYTES) {
                        throw new ProtocolException("reply line longer than " + MAX_LINE_BYTES + " bytes");
                    }
                    // servers send ASCII; UTF-8 covers the SMTPUTF8 ones without mangling
                    String line = new String(buffer, start, length, StandardCharsets.UTF_8);
                    start = i + 1;
                    return line;
                }
            }
            if (end - start > MAX_LINE_BYTES) {
                throw new ProtocolException("reply line longer than " + MAX_LINE_BYTES + " bytes");
            }
            if (end == buffer.length) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            scanned = end;
            int read = in.read(buffer, end, buffer.length - end);
            if (read < 0) {
                throw new ProtocolException(end == start ? "connection closed by server" : "connection closed in the middle of a reply");
            }
            end += read;
        }
    }

    /** The text without control characters (C0, DEL, C1: CR, NUL, ESC among them); a tab becomes a space. */
    static String clean(String text) {
        StringBuilder clean = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                if (clean == null) {
                    clean = new StringBuilder(text.length()).append(text, 0, i);
                }
                if (c == '\t') {
                    clean.append(' ');
                }
            } else if (clean != null) {
                clean.append(c);
            }
        }
        return clean == null ? text : clean.toString();
    }

    private static boolean isCode(String raw) {
        return Character.isDigit(raw.charAt(0)) && Character.isDigit(raw.charAt(1)) && Character.isDigit(raw.charAt(2));
    }

    private static String printable(String raw) {
        return PrintableText.line(raw, 80);
    }
}
