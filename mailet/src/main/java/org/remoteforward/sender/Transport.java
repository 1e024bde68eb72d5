package org.remoteforward.sender;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.net.ssl.SSLSession;

/**
 * A byte stream to one server, whatever carries it (TCP, TLS over TCP, a Unix socket), so the
 * protocol code is written once.
 */
interface Transport extends Closeable {
    /**
     * The server's bytes, unbuffered: {@link ReplyReader} reads them in bulk into its own buffer
     * (a buffered stream under it would ask the socket how much is available after every read).
     */
    InputStream input();

    OutputStream output();

    /** Runs a TLS handshake over this connection and returns the encrypted transport. */
    Transport startTls(TlsClient tls, Endpoint endpoint, TlsHandshakeGuard guard) throws IOException;

    /** The TLS session when the transport is encrypted; null otherwise. */
    SSLSession tlsSession();

    /**
     * Cuts the connection at once, from any thread, without a TLS close_notify: used by timeouts
     * while another thread is blocked on this transport.
     */
    void abort();

    /** Runs the handshake of a freshly wrapped TLS socket under the caller's timeout. */
    @FunctionalInterface
    interface TlsHandshakeGuard {
        void handshake(IoAction action) throws IOException;
    }

    /** An I/O step that can be run under a timeout. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }
}
