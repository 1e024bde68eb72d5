package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;

/**
 * What MAIL FROM must declare about a message: whether it has 8-bit bytes at all (BODY=8BITMIME)
 * and whether its header section does (UTF-8 headers, RFC 6532, which SMTPUTF8 announces).
 *
 * @param eightBit some byte of the message is 0x80 or above
 * @param eightBitHeaders some byte of the header section is 0x80 or above
 */
record MessageTraits(boolean eightBit, boolean eightBitHeaders) {

    static MessageTraits scan(MessageSource message) throws IOException {
        Scanner scanner = new Scanner();
        try {
            message.writeTo(scanner);
        } catch (Scanner.Done done) {
            // both answers are known: the rest of the message cannot change them
        }
        return new MessageTraits(scanner.eightBit, scanner.eightBitHeaders);
    }

    /** Counts as it is written to; stops the write early once both answers are yes. */
    private static final class Scanner extends OutputStream {
        private boolean inHeaders = true;
        /** Bytes on the current header line, CR not counted: a line feed ending an empty line ends the headers. */
        private int lineLength;
        private boolean eightBit;
        private boolean eightBitHeaders;

        @Override
        public void write(int b) throws IOException {
            int value = b & 0xff;
            if (value >= 0x80) {
                eightBit = true;
                if (inHeaders) {
                    eightBitHeaders = true;
                    throw new Done();
                }
            }
            if (inHeaders) {
                if (value == '\n') {
                    inHeaders = lineLength > 0;
                    lineLength = 0;
                } else if (value != '\r') {
                    lineLength++;
                }
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int i = offset;
            int end = offset + length;
            while (i < end && inHeaders) {
                write(bytes[i++]);
            }
            for (; i < end; i++) {
                if (bytes[i] < 0) {
                    eightBit = true;
                    throw new Done();
                }
            }
        }

        /** Ends the scan early; never leaves this class. */
        private static final class Done extends IOException {
            Done() {
                super(null, null);
            }

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        }
    }
}
