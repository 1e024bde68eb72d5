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
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * Passes bytes through in runs as long as possible: only a bare LF (a CR goes before it), a
     * bare CR (an LF goes after it) and, for DATA, a dot starting a line (a second dot goes before
     * it) break a run. Lines that already end in CRLF cost nothing extra.
     */
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int runStart = offset;
        int end = offset + length;
        // the state in locals for the loop, back in the fields after it: the JIT keeps locals in registers
        boolean cr = afterCr;
        boolean lineStart = atLineStart;
        for (int i = offset; i < end; i++) {
            byte value = bytes[i];
            if (cr) {
                if (value != LF) {
                    out.write(bytes, runStart, i - runStart);
                    out.write(LF);
                    runStart = i;
                    lineStart = true;
                }
            } else if (value == LF) {
                out.write(bytes, runStart, i - runStart);
                out.write(CR);
                runStart = i;
            }
            if (lineStart && value == DOT && dotStuffing) {
                out.write(bytes, runStart, i - runStart);
                out.write(DOT);
                runStart = i;
            }
            cr = value == CR;
            lineStart = value == LF;
        }
        afterCr = cr;
        atLineStart = lineStart;
        out.write(bytes, runStart, end - runStart);
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
