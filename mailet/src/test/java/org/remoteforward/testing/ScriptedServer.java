package org.remoteforward.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A fake SMTP/LMTP server that follows a script: it sends the replies it is told to, expects
 * the commands it is told to, and can stall, drop the connection or start TLS at any step.
 * Every connection runs the same script; what each one received is recorded, and a command that
 * does not match the script is recorded as a violation (and answered with 500).
 *
 * <p>Listens on 127.0.0.1 on a free port, on implicit TLS, or on a Unix domain socket.
 */
public final class ScriptedServer implements Closeable {
    /** Connection i follows script i; the last one serves every connection after it. */
    private final List<Script> scripts;
    private final Closeable listener;
    private final Thread acceptor;
    private final List<Conversation> conversations = new CopyOnWriteArrayList<>();
    private final List<Closeable> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> handlers = new CopyOnWriteArrayList<>();
    private final int port;
    private final Path socketPath;
    private final TlsOptions tls;
    private volatile boolean closed;

    private ScriptedServer(List<Script> scripts, ServerSocket tcp, ServerSocketChannel unix, Path socketPath, TlsOptions tls) {
        this.scripts = List.copyOf(scripts);
        this.tls = tls;
        this.listener = tcp != null ? tcp : unix;
        this.port = tcp != null ? tcp.getLocalPort() : 0;
        this.socketPath = socketPath;
        this.acceptor = new Thread(() -> acceptLoop(tcp, unix), "scripted-server-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** A plain TCP server on 127.0.0.1; STARTTLS steps use {@code tls} when given. */
    public static ScriptedServer tcp(Script script, TlsOptions tls) throws IOException {
        ServerSocket socket = LoopbackPorts.listen(50);
        return new ScriptedServer(List.of(script), socket, null, null, tls);
    }

    public static ScriptedServer tcp(Script script) throws IOException {
        return tcp(script, null);
    }

    /** A plain TCP server whose first connection follows the first script, the second the second, and so on. */
    public static ScriptedServer tcp(List<Script> scripts) throws IOException {
        ServerSocket socket = LoopbackPorts.listen(50);
        return new ScriptedServer(scripts, socket, null, null, null);
    }

    /** A server that speaks TLS from the first byte. */
    public static ScriptedServer implicitTls(Script script, TlsOptions tls) throws IOException {
        ServerSocket socket = LoopbackPorts.listen(50);
        return new ScriptedServer(List.of(script.withImplicitTls()), socket, null, null, tls);
    }

    public static ScriptedServer unix(Script script, Path socketPath) throws IOException {
        Files.deleteIfExists(socketPath);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(socketPath));
        return new ScriptedServer(List.of(script), null, channel, socketPath, null);
    }

    public int port() {
        return port;
    }

    public String tcpUri() {
        return "tcp://127.0.0.1:" + port;
    }

    public String tlsUri(String host) {
        return "tls://" + host + ":" + port;
    }

    public String unixUri() {
        return "unix://" + socketPath;
    }

    /** Waits until {@code count} connections have run their script to the end (or broke off). */
    public List<Conversation> awaitConversations(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long done = conversations.stream().filter(c -> c.finished.getCount() == 0).count();
            if (done >= count) {
                return List.copyOf(conversations);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("expected " + count + " finished conversations, have " + conversations);
    }

    public List<Conversation> conversations() {
        return List.copyOf(conversations);
    }

    /** The single conversation the test expects, once it is over. */
    public Conversation onlyConversation() throws InterruptedException {
        List<Conversation> all = awaitConversations(1);
        if (all.size() != 1) {
            throw new AssertionError("expected one conversation, have " + all.size());
        }
        return all.get(0);
    }

    private void acceptLoop(ServerSocket tcp, ServerSocketChannel unix) {
        while (!closed) {
            try {
                Wire wire;
                if (tcp != null) {
                    Socket socket = tcp.accept();
                    // replies go out as written, as a real server's do when it flushes them: no wait for the client's ACK
                    socket.setTcpNoDelay(true);
                    wire = Wire.of(socket);
                } else {
                    SocketChannel channel = unix.accept();
                    wire = Wire.of(channel);
                }
                connections.add(wire);
                Conversation conversation = new Conversation();
                Script script = scripts.get(Math.min(conversations.size(), scripts.size() - 1));
                conversations.add(conversation);
                Thread handler = new Thread(() -> run(wire, script, conversation), "scripted-server-conversation");
                handler.setDaemon(true);
                handlers.add(handler);
                handler.start();
            } catch (IOException e) {
                if (!closed) {
                    conversations.add(Conversation.failed("accept failed: " + e));
                }
                return;
            }
        }
    }

    private void run(Wire wire, Script script, Conversation conversation) {
        try {
            Session session = new Session(wire, conversation);
            for (Step step : script.steps) {
                step.perform(session);
            }
        } catch (IOException | InterruptedException e) {
            conversation.brokenOff = e.toString();
        } finally {
            try {
                wire.close();
            } catch (IOException ignored) {
                // the test is over with this connection either way
            }
            conversation.finished.countDown();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Closeable connection : connections) {
            connection.close();
        }
        for (Thread thread : handlers) {
            thread.interrupt();
        }
        try {
            acceptor.join(5000);
            for (Thread thread : handlers) {
                thread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (socketPath != null) {
            Files.deleteIfExists(socketPath);
        }
    }

    /** What one connection sent and how it went. */
    public static final class Conversation {
        public final List<String> commands = new CopyOnWriteArrayList<>();
        public final List<String> violations = new CopyOnWriteArrayList<>();
        /** Each message exactly as it came over the wire, dot-stuffing and terminator removed. */
        public final List<byte[]> messages = new CopyOnWriteArrayList<>();
        public volatile String tlsPeer;
        public volatile String tlsProtocol;
        public volatile String brokenOff;
        /** When the connection was accepted, from System.nanoTime(). */
        public final long acceptedNanos = System.nanoTime();
        final CountDownLatch finished = new CountDownLatch(1);

        static Conversation failed(String why) {
            Conversation conversation = new Conversation();
            conversation.violations.add(why);
            conversation.finished.countDown();
            return conversation;
        }

        public byte[] onlyMessage() {
            if (messages.size() != 1) {
                throw new AssertionError("expected one message, got " + messages.size());
            }
            return messages.get(0);
        }

        @Override
        public String toString() {
            return "Conversation" + commands + (violations.isEmpty() ? "" : " violations=" + violations)
                + (brokenOff == null ? "" : " brokenOff=" + brokenOff);
        }
    }

    /** Server-side TLS: the context, and whether a client certificate is required. */
    public record TlsOptions(SSLContext context, boolean needClientAuth, String[] protocols) {
        public static TlsOptions of(SSLContext context) {
            return new TlsOptions(context, false, null);
        }

        public TlsOptions requiringClientCertificate() {
            return new TlsOptions(context, true, protocols);
        }

        public TlsOptions withProtocols(String... versions) {
            return new TlsOptions(context, needClientAuth, versions);
        }
    }

    /** A script of steps, built fluently: {@code Script.of().send("220 hi").expect("EHLO localhost")...}. */
    public static final class Script {
        private final List<Step> steps;

        private Script(List<Step> steps) {
            this.steps = steps;
        }

        public static Script of() {
            return new Script(new ArrayList<>());
        }

        private Script withImplicitTls() {
            List<Step> all = new ArrayList<>();
            all.add(Session::startTls);
            all.addAll(steps);
            return new Script(all);
        }

        /** Sends a reply; several lines make a multi-line reply (give them with their codes and separators). */
        public Script send(String... lines) {
            steps.add(session -> session.writeLines(lines));
            return this;
        }

        /** Reads one command; it must equal {@code command} exactly. */
        public Script expect(String command) {
            steps.add(session -> session.expect(line -> line.equals(command), command));
            return this;
        }

        /** Reads one command; it must match {@code regex}. */
        public Script expectMatching(String regex) {
            Pattern pattern = Pattern.compile(regex);
            steps.add(session -> session.expect(line -> pattern.matcher(line).matches(), "/" + regex + "/"));
            return this;
        }

        /** Reads one command and replies with {@code reply}, whatever the command: for dialogue the test does not care about. */
        public Script any(String... reply) {
            steps.add(session -> {
                session.readCommand();
                session.writeLines(reply);
            });
            return this;
        }

        /** Reads a message after 354, up to and including the lone dot. */
        public Script receiveMessage() {
            steps.add(Session::receiveMessage);
            return this;
        }

        /**
         * Reads BDAT chunks up to the LAST one, answering each earlier chunk with 250 and the last
         * with {@code lastReplies}; the chunks' bytes, exactly as sent, are recorded as the message.
         */
        public Script receiveChunks(String... lastReplies) {
            steps.add(session -> session.receiveChunks(lastReplies));
            return this;
        }

        /** Reads BDAT chunks up to the LAST one without keeping them, counting their bytes into {@code received}. */
        public Script receiveChunksCounting(AtomicLong received) {
            steps.add(session -> {
                Chunk chunk;
                do {
                    chunk = session.readChunk();
                    received.addAndGet(chunk.bytes().length);
                    if (!chunk.last()) {
                        session.writeLines("250 2.0.0 chunk received");
                    }
                } while (!chunk.last());
            });
            return this;
        }

        /**
         * Reads one BDAT chunk, last or not, and only then answers with {@code replies}: those of the
         * commands pipelined before it, and the chunk's own. Its bytes are not kept.
         */
        public Script answerChunkAfterReading(String... replies) {
            steps.add(session -> {
                session.readChunk();
                session.writeLines(replies);
            });
            return this;
        }

        /** Reads one BDAT chunk that is not the last and answers it with {@code reply}. */
        public Script refuseChunk(String reply) {
            steps.add(session -> {
                session.readChunk();
                session.writeLines(reply);
            });
            return this;
        }

        /** Reads a message without keeping it, adding each byte's arrival to {@code received} as it comes. */
        public Script receiveMessageCounting(AtomicLong received) {
            steps.add(session -> session.drainMessage(received));
            return this;
        }

        public Script startTls() {
            steps.add(Session::startTls);
            return this;
        }

        /** Stops answering; the connection stays open until the client closes it or the server stops. */
        public Script stall() {
            steps.add(Session::stall);
            return this;
        }

        /** Stops reading and writing altogether, so the client's writes back up; lasts until the server stops. */
        public Script freeze() {
            steps.add(session -> Thread.sleep(Long.MAX_VALUE));
            return this;
        }

        /** Reads and discards {@code count} bytes: part of a body, before the server breaks off in it. */
        public Script skipBytes(int count) {
            steps.add(session -> {
                byte[] skipped = session.in.readNBytes(count);
                if (skipped.length < count) {
                    throw new IOException("client closed the connection");
                }
            });
            return this;
        }

        /** Closes the connection at this point. */
        public Script drop() {
            steps.add(session -> session.wire.close());
            return this;
        }

        /** Reads commands until the client closes, answering each with {@code reply}. */
        public Script answerRest(String reply) {
            steps.add(session -> {
                while (true) {
                    session.readCommand();
                    session.writeLines(reply);
                }
            });
            return this;
        }
    }

    @FunctionalInterface
    private interface Step {
        void perform(Session session) throws IOException, InterruptedException;
    }

    @FunctionalInterface
    private interface LineTest {
        boolean test(String line);
    }

    /** The per-connection state the steps act on. */
    private final class Session {
        private Wire wire;
        private InputStream in;
        private final Conversation conversation;

        Session(Wire wire, Conversation conversation) throws IOException {
            this.wire = wire;
            this.in = new BufferedInputStream(wire.input());
            this.conversation = conversation;
        }

        void writeLines(String... lines) throws IOException {
            // one write, so a multi-line reply arrives as a real server's would: in one segment
            StringBuilder reply = new StringBuilder();
            for (String line : lines) {
                reply.append(line).append("\r\n");
            }
            OutputStream out = wire.output();
            out.write(reply.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String readCommand() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("client closed the connection");
                }
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    String command = new String(bytes, 0, length, StandardCharsets.UTF_8);
                    conversation.commands.add(command);
                    return command;
                }
                line.write(b);
            }
        }

        void expect(LineTest test, String expected) throws IOException {
            String command = readCommand();
            if (!test.test(command)) {
                conversation.violations.add("expected " + expected + " but got " + command);
                writeLines("500 5.5.1 unexpected command");
                throw new IOException("script violated");
            }
        }

        void receiveMessage() throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            readMessage(message);
            conversation.messages.add(message.toByteArray());
        }

        void receiveChunks(String... lastReplies) throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                Chunk chunk = readChunk();
                message.write(chunk.bytes());
                if (chunk.last()) {
                    conversation.messages.add(message.toByteArray());
                    writeLines(lastReplies);
                    return;
                }
                writeLines("250 2.0.0 " + chunk.bytes().length + " octets received");
            }
        }

        Chunk readChunk() throws IOException {
            String command = readCommand();
            Matcher matcher = Pattern.compile("BDAT (\\d+)( LAST)?").matcher(command);
            if (!matcher.matches()) {
                conversation.violations.add("expected BDAT but got " + command);
                throw new IOException("script violated");
            }
            byte[] bytes = in.readNBytes(Integer.parseInt(matcher.group(1)));
            return new Chunk(bytes, matcher.group(2) != null);
        }

        void drainMessage(AtomicLong received) throws IOException {
            readMessage(new OutputStream() {
                @Override
                public void write(int b) {
                    received.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    received.addAndGet(len);
                }
            });
        }

        /** Reads CRLF lines until "." alone, undoing dot-stuffing; every line end must be CRLF. */
        private void readMessage(OutputStream target) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                line.reset();
                int previous = -1;
                while (true) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("client closed the connection during DATA");
                    }
                    line.write(b);
                    if (b == '\n') {
                        if (previous != '\r') {
                            conversation.violations.add("bare LF in DATA");
                        }
                        break;
                    }
                    previous = b;
                }
                byte[] bytes = line.toByteArray();
                if (bytes.length == 3 && bytes[0] == '.') {
                    return;
                }
                int start = bytes.length > 0 && bytes[0] == '.' ? 1 : 0;
                target.write(bytes, start, bytes.length - start);
            }
        }

        void startTls() throws IOException {
            if (tls == null) {
                throw new IllegalStateException("the script starts TLS but the server has no TLS options");
            }
            Socket raw = wire.socket();
            SSLSocket socket = (SSLSocket) tls.context().getSocketFactory().createSocket(raw, null, raw.getPort(), true);
            socket.setUseClientMode(false);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setNeedClientAuth(tls.needClientAuth());
            if (tls.protocols() != null) {
                parameters.setProtocols(tls.protocols());
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            conversation.tlsProtocol = socket.getSession().getProtocol();
            if (tls.needClientAuth()) {
                conversation.tlsPeer = socket.getSession().getPeerPrincipal().getName();
            }
            wire = Wire.of(socket);
            connections.add(wire);
            in = new BufferedInputStream(wire.input());
        }

        void stall() throws InterruptedException {
            // until the client gives up (our socket then reads EOF in the next step) or the server closes
            try {
                while (in.read() >= 0) {
                    // swallow whatever the client still sends, answer nothing
                }
            } catch (IOException ignored) {
                // closed under us: the stall is over
            }
            throw new InterruptedException("stalled until the connection closed");
        }
    }

    /** One BDAT chunk as received. */
    private record Chunk(byte[] bytes, boolean last) {
    }

    /** A connection, TCP or Unix. */
    private interface Wire extends Closeable {
        InputStream input() throws IOException;

        OutputStream output() throws IOException;

        Socket socket();

        static Wire of(Socket socket) {
            return new Wire() {
                @Override
                public InputStream input() throws IOException {
                    return socket.getInputStream();
                }

                @Override
                public OutputStream output() throws IOException {
                    return socket.getOutputStream();
                }

                @Override
                public Socket socket() {
                    return socket;
                }

                @Override
                public void close() throws IOException {
                    socket.close();
                }
            };
        }

        static Wire of(SocketChannel channel) {
            InputStream input = Channels.newInputStream(channel);
            OutputStream output = Channels.newOutputStream(channel);
            return new Wire() {
                @Override
                public InputStream input() {
                    return input;
                }

                @Override
                public OutputStream output() {
                    return output;
                }

                @Override
                public Socket socket() {
                    throw new IllegalStateException("no TLS over a Unix socket");
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }
    }

    /** All finished conversations must be free of violations; the list of all violations otherwise. */
    public List<String> violations() {
        List<String> all = new ArrayList<>();
        for (Conversation conversation : conversations) {
            all.addAll(conversation.violations);
        }
        return Collections.unmodifiableList(all);
    }
}
