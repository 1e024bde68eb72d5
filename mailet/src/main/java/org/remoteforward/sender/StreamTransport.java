package org.remoteforward.sender;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The streams every transport hands the protocol code: the server's bytes unbuffered (the reply
 * reader buffers them itself), ours through one 64 KiB buffer, so that a pipelined group of
 * commands or a chunk of the message leaves in as few writes as it can.
 */
abstract class StreamTransport implements Transport {
    private static final int BUFFER = 64 * 1024;

    private final InputStream input;
    private final OutputStream output;

    StreamTransport(InputStream input, OutputStream output) {
        this.input = input;
        this.output = new BufferedOutputStream(output, BUFFER);
    }

    @Override
    public final InputStream input() {
        return input;
    }

    @Override
    public final OutputStream output() {
        return output;
    }
}
