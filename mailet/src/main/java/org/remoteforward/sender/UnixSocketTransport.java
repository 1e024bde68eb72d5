package org.remoteforward.sender;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSession;

/**
 * A Unix domain socket. Never encrypted: the socket file's permissions protect it, and JSSE
 * can only layer TLS over a {@link java.net.Socket}.
 */
final class UnixSocketTransport extends StreamTransport {
    private final SocketChannel channel;

    UnixSocketTransport(SocketChannel channel) {
        super(Channels.newInputStream(channel), Channels.newOutputStream(channel));
        this.channel = channel;
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
