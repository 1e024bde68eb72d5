package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;

/**
 * CHUNKING (RFC 3030): gathers the message into chunks of {@link #CHUNK_SIZE} bytes and hands each
 * full one to the session as a BDAT command; {@link #finish} sends the rest as {@code BDAT n LAST}.
 * A chunk the server refuses stops the writer with {@link ChunkRefused}, carrying the reply.
 */
final class ChunkingOutputStream extends OutputStream {
    /** Large enough that chunk replies cost little, small enough to bound memory. */
    static final int CHUNK_SIZE = 1 << 20;

    /** Sends one chunk; for a non-last chunk, its reply. */
    @FunctionalInterface
    interface ChunkSender {
        /** @return the server's reply to a non-last chunk, null for the last (its replies are the final ones) */
        Reply send(byte[] chunk, int length, boolean last) throws IOException;
    }

    private final ChunkSender sender;
    private final byte[] chunk = new byte[CHUNK_SIZE];
    private int length;

    ChunkingOutputStream(ChunkSender sender) {
        this.sender = sender;
    }

    @Override
    public void write(int b) throws IOException {
        if (length == chunk.length) {
            sendFull();
        }
        chunk[length++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int count) throws IOException {
        while (count > 0) {
            if (length == chunk.length) {
                sendFull();
            }
            int n = Math.min(count, chunk.length - length);
            System.arraycopy(bytes, offset, chunk, length, n);
            length += n;
            offset += n;
            count -= n;
        }
    }

    /** Sends what is left as the last chunk. */
    void finish() throws IOException {
        sender.send(chunk, length, true);
        length = 0;
    }

    private void sendFull() throws IOException {
        Reply reply = sender.send(chunk, length, false);
        length = 0;
        if (!reply.isPositive()) {
            throw new ChunkRefused(reply);
        }
    }

    /** Stops the message's writer when the server refused a chunk. */
    static final class ChunkRefused extends IOException {
        private final transient Reply reply;

        ChunkRefused(Reply reply) {
            super("chunk refused with " + reply);
            this.reply = reply;
        }

        Reply reply() {
            return reply;
        }
    }
}
