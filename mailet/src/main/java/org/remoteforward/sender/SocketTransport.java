package org.remoteforward.sender;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/** A TCP connection, plain or wrapped in TLS. */
final class SocketTransport extends StreamTransport {
    /** The TCP socket under any TLS layer: closing it is the only way to unblock a stuck TLS write. */
    private final Socket raw;
    private final Socket socket;

    SocketTransport(Socket raw, Socket socket) throws IOException {
        super(socket.getInputStream(), socket.getOutputStream());
        this.raw = raw;
        this.socket = socket;
    }

    @Override
    public Transport startTls(TlsClient tls, Endpoint endpoint, TlsHandshakeGuard guard) throws IOException {
        SSLSocket tlsSocket = tls.wrap(raw, endpoint);
        guard.handshake(tlsSocket::startHandshake);
        return new SocketTransport(raw, tlsSocket);
    }

    @Override
    public SSLSession tlsSession() {
        return socket instanceof SSLSocket ssl ? ssl.getSession() : null;
    }

    @Override
    public void abort() {
        try {
            raw.close();
        } catch (IOException ignored) {
            // the socket is being thrown away; there is nothing left to do with it
        }
    }

    @Override
    public void close() throws IOException {
        try {
            socket.close();
        } finally {
            raw.close();
        }
    }
}
