package org.remoteforward.sender;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a message as the DATA command wants it (RFC 5321 4.5.2): every line ends with CRLF, a
 * line that starts with a dot gets a second one, and {@link #finish()} writes the terminating
 * {@code CRLF . CRLF}. Bytes are otherwise passed through untouched, so a message that already
 * uses CRLF arrives byte-identical.
 */
final class DotStuffingOutputStream extends FilterOutputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private boolean atLineStart = true;
    private boolean afterCr;

    DotStuffingOutputStream(OutputStream out) {
        super(out);
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
        if (atLineStart && value == DOT) {
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
            boolean plain = !afterCr && !atLineStart && value != CR && value != LF;
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

    /** Ends the last line if the message did not, then writes the lone dot. Does not close. */
    void finish() throws IOException {
        if (afterCr) {
            out.write(LF);
        } else if (!atLineStart) {
            out.write(CR);
            out.write(LF);
        }
        out.write(new byte[] {DOT, CR, LF});
        out.flush();
    }

    @Override
    public void close() {
        // the socket outlives the message: never close it from here
    }
}
