package org.remoteforward.sender;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a message with every line ending in CRLF, as the wire wants it, and for DATA (RFC 5321
 * 4.5.2) with a second dot on each line that starts with one. BDAT (RFC 3030) takes the lines
 * without dot-stuffing. Bytes are otherwise passed through untouched, so a message that already
 * uses CRLF arrives byte-identical.
 *
 * <p>What ends a line is what ends it for James's own readers of the message: an LF, with or
 * without a CR before it (a bare LF gets its CR). A CR that no LF follows ends no line there, so it
 * must end none downstream: it becomes a space, in the header section and the body alike, as
 * Postfix's {@code cleanup_replace_stray_cr_lf} does. A bare CR written out as a line break would
 * let whatever follows it start a header field of its own downstream (a client's HELO name, which
 * James writes into its Received field, carrying {@code \rAuthentication-Results: ...}), or a
 * MIME boundary or a lone dot James never saw.
 */
final class MessageLinesOutputStream extends FilterOutputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';
    private static final byte SPACE = ' ';

    private final boolean dotStuffing;
    private boolean atLineStart = true;
    /** The last byte was a CR, held back until the next one says whether it ends a line (LF) or is a stray (a space). */
    private boolean pendingCr;

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
     * Passes bytes through in runs as long as possible: only a CR (held until the next byte), a
     * bare LF (a CR goes before it) and, for DATA, a dot starting a line (a second dot goes before
     * it) break a run. Lines that already end in CRLF cost one extra write each of the CR.
     */
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int runStart = offset;
        int end = offset + length;
        // the state in locals for the loop, back in the fields after it: the JIT keeps locals in registers
        boolean cr = pendingCr;
        boolean lineStart = atLineStart;
        for (int i = offset; i < end; i++) {
            byte value = bytes[i];
            if (cr) {
                // the held CR: a line end before an LF, a space before anything else
                if (value == LF) {
                    out.write(CR);
                } else {
                    out.write(SPACE);
                    lineStart = false;
                }
                cr = false;
            } else if (value == LF) {
                out.write(bytes, runStart, i - runStart);
                out.write(CR);
                runStart = i;
            }
            if (value == CR) {
                out.write(bytes, runStart, i - runStart);
                runStart = i + 1;
                cr = true;
                continue;
            }
            if (lineStart && value == DOT && dotStuffing) {
                out.write(bytes, runStart, i - runStart);
                out.write(DOT);
                runStart = i;
            }
            lineStart = value == LF;
        }
        pendingCr = cr;
        atLineStart = lineStart;
        out.write(bytes, runStart, end - runStart);
    }

    /** Ends the last line if the message did not (a CR it ended with is a stray, a space, like any other). Does not flush or close. */
    void endLastLine() throws IOException {
        if (pendingCr) {
            out.write(SPACE);
            pendingCr = false;
            atLineStart = false;
        }
        if (!atLineStart) {
            out.write(CR);
            out.write(LF);
        }
        atLineStart = true;
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
