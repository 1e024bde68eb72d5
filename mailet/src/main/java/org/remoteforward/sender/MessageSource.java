package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The raw message (headers and body) as the caller holds it. It is written out rather than read
 * in, so a caller can stream from wherever it keeps the bytes without the sender holding them.
 * It may be written more than once (a scan for 8-bit content, then the transfer).
 */
public interface MessageSource {
    /** The size in bytes for SIZE=, or -1 when unknown. */
    long size() throws IOException;

    /** Writes every byte of the message, unchanged, to {@code out}. Must not close it. */
    void writeTo(OutputStream out) throws IOException;
}
