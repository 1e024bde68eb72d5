package org.remoteforward.sender;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a message with every line ending in CRLF, as the wire wants it, and for DATA (RFC 5321
 * 4.5.2) with a second dot on each line that starts with one. BDAT (RFC 3030) takes the lines
 * without dot-stuffing. Bytes are otherwise passed through untouched, so a message that already
 * uses CRLF arrives byte-identical.
 */
final class MessageLinesOutputStream extends FilterOutputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private final boolean dotStuffing;
    private boolean atLineStart = true;
    private boolean afterCr;

    /** For DATA: dot-stuffed, and {@link #finishData()} ends it with the lone dot. */
    static MessageLinesOutputStream forData(OutputStream out) {
        return new MessageLinesOutputStream(out, true);
    }

    /** For BDAT: CRLF line ends only. */
    static MessageLinesOutputStream forChunks(OutputStream out) {
        return new MessageLinesOutputStream(out, false);
    }

    private MessageLinesOutputStream(OutputStream out, boolean dotStuffing) {
        super(out);
        this.dotStuffing = dotStuffing;
    }

    @Override
    public void write(int b) throws IOException {
        byte value = (byte) b;
        if (afterCr && value != LF) {
            // a bare CR is not a line end on the wire: complete it
            out.write(LF);
            atLineStart = true;
        }
        if (value == LF && !afterCr) {
            out.write(CR);
        }
        if (dotStuffing && atLineStart && value == DOT) {
            out.write(DOT);
        }
        out.write(value);
        afterCr = value == CR;
        atLineStart = value == LF;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        // the fast path copies runs that need no change in one call: only line starts and line ends need care
        int runStart = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte value = bytes[i];
            boolean plain = !afterCr && (!atLineStart || !dotStuffing) && value != CR && value != LF;
            if (plain) {
                continue;
            }
            if (i > runStart) {
                out.write(bytes, runStart, i - runStart);
            }
            write(value);
            runStart = i + 1;
        }
        if (end > runStart) {
            out.write(bytes, runStart, end - runStart);
            atLineStart = false;
            afterCr = false;
        }
    }

    /** Ends the last line if the message did not. Does not flush or close. */
    void endLastLine() throws IOException {
        if (afterCr) {
            out.write(LF);
        } else if (!atLineStart) {
            out.write(CR);
            out.write(LF);
        }
        atLineStart = true;
        afterCr = false;
    }

    /** Ends the last line, then writes the lone dot that ends DATA, and flushes. Does not close. */
    void finishData() throws IOException {
        endLastLine();
        out.write(new byte[] {DOT, CR, LF});
        out.flush();
    }

    @Override
    public void close() {
        // the socket outlives the message: never close it from here
    }
}
