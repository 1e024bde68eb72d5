package org.remoteforward.it;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server on a free 127.0.0.1 port that hands each connection to {@link #converse} on a thread
 * of its own, and on close stops accepting and cuts every connection still open. The sinks of the
 * launcher and of the benchmark are made of it.
 */
public abstract class LoopbackListener implements Closeable {
    private final ServerSocket server;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final String name;

    protected LoopbackListener(String name, int backlog) throws IOException {
        this.name = name;
        this.server = Daemons.listen(backlog);
        this.acceptor = new Thread(this::acceptLoop, name + "-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Talks to one client; the connection is closed when this returns. */
    protected abstract void converse(Socket socket) throws IOException;

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread conversation = new Thread(() -> run(socket), name + "-conversation");
                conversation.setDaemon(true);
                conversation.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void run(Socket socket) {
        try (socket) {
            converse(socket);
        } catch (IOException e) {
            // the client went away: nothing it was not answered for is counted or stored
        } finally {
            connections.remove(socket);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : connections) {
            socket.close();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
