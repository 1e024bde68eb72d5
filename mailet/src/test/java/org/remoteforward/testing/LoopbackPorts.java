package org.remoteforward.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback addresses for tests. */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A tcp:// endpoint on 127.0.0.1 where nothing listens (a port just released), so connecting is refused. */
    public static String deadEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + socket.getLocalPort();
        }
    }
}
