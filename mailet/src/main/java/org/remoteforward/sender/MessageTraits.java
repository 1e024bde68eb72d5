package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * What MAIL FROM must declare about a message, and whether SMTP can carry it at all: whether it
 * has 8-bit bytes (BODY=8BITMIME), whether its header section does (UTF-8 headers, RFC 6532,
 * which SMTPUTF8 announces), and its longest line.
 *
 * @param eightBit some byte of the message is 0x80 or above
 * @param eightBitHeaders some byte of the header section is 0x80 or above
 * @param longestLine octets on the longest line, line ending not counted
 */
record MessageTraits(boolean eightBit, boolean eightBitHeaders, long longestLine) {
    /** RFC 5321 4.5.3.1.6: 1000 octets with the CRLF. */
    static final int MAX_LINE_OCTETS = 998;

    static MessageTraits scan(MessageSource message) throws IOException {
        Scanner scanner = new Scanner();
        message.writeTo(scanner);
        return new MessageTraits(scanner.eightBit, scanner.eightBitHeaders, scanner.longestLine());
    }

    boolean hasOverlongLine() {
        return longestLine > MAX_LINE_OCTETS;
    }

    /** Why a message of {@code size} bytes (-1: unknown) is over the endpoint's SIZE limit; checked before any scan. */
    static Optional<String> overSizeLimit(long size, Capabilities capabilities, Endpoint endpoint) {
        if (size >= 0 && capabilities.maxSize().isPresent() && size > capabilities.maxSize().getAsLong()) {
            return Optional.of("message of " + size + " bytes is larger than the SIZE limit of "
                + capabilities.maxSize().getAsLong() + " bytes that " + endpoint + " advertises");
        }
        return Optional.empty();
    }

    /** Why the message cannot go to the endpoint unaltered: a line SMTP cannot carry, 8-bit content it does not take. */
    Optional<String> unsendableTo(Capabilities capabilities, Endpoint endpoint) {
        if (hasOverlongLine()) {
            return Optional.of("message has a line of " + longestLine + " octets; SMTP allows " + MAX_LINE_OCTETS
                + " (RFC 5321 4.5.3.1.6), and folding it would alter the message");
        }
        if (eightBit && !capabilities.has("8BITMIME")) {
            return Optional.of("message has 8-bit content but " + endpoint
                + " does not advertise 8BITMIME, and converting it would alter the message");
        }
        return Optional.empty();
    }

    /** Counts as it is written to, lines as {@link MessageLinesOutputStream} sends them: a CR no LF follows is a space, one octet. */
    private static final class Scanner extends OutputStream {
        private boolean inHeaders = true;
        /** Octets on the current line, a CR not yet known to end it not counted: a line feed ending an empty line ends the headers. */
        private long lineLength;
        private long longestLine;
        /** The last byte was a CR: before an LF it ends the line, before anything else it is a space. */
        private boolean pendingCr;
        private boolean eightBit;
        private boolean eightBitHeaders;

        long longestLine() {
            return Math.max(longestLine, lineLength + (pendingCr ? 1 : 0));
        }

        @Override
        public void write(int b) {
            int value = b & 0xff;
            if (value >= 0x80) {
                eightBit = true;
                eightBitHeaders |= inHeaders;
            }
            if (value == '\n') {
                pendingCr = false;
                inHeaders &= lineLength > 0;
                endLine();
                return;
            }
            if (pendingCr) {
                lineLength++;
            }
            pendingCr = value == '\r';
            if (!pendingCr) {
                lineLength++;
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            int i = offset;
            int end = offset + length;
            while (i < end && inHeaders) {
                write(bytes[i++]);
            }
            // the body: the same counts, in locals the JIT keeps in registers
            long line = lineLength;
            long longest = longestLine;
            boolean cr = pendingCr;
            boolean high = false;
            for (; i < end; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    longest = Math.max(longest, line);
                    line = 0;
                    cr = false;
                } else {
                    line += cr ? 1 : 0;
                    cr = b == '\r';
                    line += cr ? 0 : 1;
                    high |= b < 0;
                }
            }
            lineLength = line;
            longestLine = longest;
            pendingCr = cr;
            eightBit |= high;
        }

        private void endLine() {
            if (lineLength > longestLine) {
                longestLine = lineLength;
            }
            lineLength = 0;
        }
    }
}
