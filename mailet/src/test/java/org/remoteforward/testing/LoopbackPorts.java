package org.remoteforward.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loopback ports for tests, none handed out twice in one JVM. The kernel gives a just-closed port
 * to a later bind of port 0 about once in 2,500 pairs here, so a "dead" endpoint could come alive
 * as the very server a test starts next, and the test would see a delivery where it wanted a
 * refused connection. (integration-tests' {@code Daemons} keeps the same rule for its daemons: its
 * main classes cannot see these.)
 */
public final class LoopbackPorts {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /** A tcp:// endpoint on 127.0.0.1 where nothing listens (a port just released), so connecting is refused. */
    public static String deadEndpoint() throws IOException {
        return "tcp://127.0.0.1:" + freePort();
    }

    /** A port nothing listens on now, and that no test in this JVM has been given or listens on. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = listen(1)) {
            return socket.getLocalPort();
        }
    }

    /** A server socket on 127.0.0.1, on a port no test in this JVM has been given before. */
    public static ServerSocket listen(int backlog) throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            ServerSocket socket = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
            if (HANDED_OUT.add(socket.getLocalPort())) {
                return socket;
            }
            socket.close();
        }
        throw new IOException("no loopback port left that this JVM has not handed out already (" + HANDED_OUT.size() + " given)");
    }
}
