package org.remoteforward.sender;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSession;

/**
 * A Unix domain socket. Never encrypted: the socket file's permissions protect it, and JSSE
 * can only layer TLS over a {@link java.net.Socket}.
 */
final class UnixSocketTransport implements Transport {
    private static final int BUFFER = 64 * 1024;

    private final SocketChannel channel;
    private final InputStream input;
    private final OutputStream output;

    UnixSocketTransport(SocketChannel channel) {
        this.channel = channel;
        this.input = Channels.newInputStream(channel);
        this.output = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public Transport startTls(TlsClient tls, Endpoint endpoint, TlsHandshakeGuard guard) throws IOException {
        throw new IOException("TLS is not available over a Unix domain socket");
    }

    @Override
    public SSLSession tlsSession() {
        return null;
    }

    @Override
    public void abort() {
        try {
            // closing an interruptible channel wakes any thread blocked reading or writing it
            channel.close();
        } catch (IOException ignored) {
            // the channel is being thrown away; there is nothing left to do with it
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
