package org.remoteforward.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the Postfix and Dovecot fixtures share: ports, readiness, folders their users can enter. */
public final class Daemons {
    private Daemons() {
    }

    /**
     * Ports this JVM has handed out. The kernel gives a closed port back to the next bind of port 0
     * soon and often (within 60 calls here), so two ports asked for in a row, say a broker's AMQP and
     * management ports, could be one; the broker then died and James waited for it forever.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /** A loopback port nothing listens on now and that no caller in this JVM has been given before. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = listen(1)) {
            return socket.getLocalPort();
        }
    }

    /** A server socket on 127.0.0.1, on a port no caller in this JVM has been given before. */
    static ServerSocket listen(int backlog) throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            ServerSocket socket = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
            if (HANDED_OUT.add(socket.getLocalPort())) {
                return socket;
            }
            socket.close();
        }
        throw new IOException("no loopback port left that this JVM has not handed out already (" + HANDED_OUT.size() + " given)");
    }

    /** A folder (and the test's temp folders above it) that the daemons' own users may enter. */
    static Path openFolder(Path dir, String mode) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        for (Path parent = dir.getParent(); parent != null && parent.startsWith(System.getProperty("java.io.tmpdir")); parent = parent.getParent()) {
            if (parent.equals(Path.of(System.getProperty("java.io.tmpdir")))) {
                break;
            }
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    /**
     * Fails at once, in one line naming the Debian package to install, when a program a test
     * starts is not there: rather than a stack trace of "Cannot run program".
     */
    static void requireInstalled(Path program, String debianPackage) {
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException(program + " is not installed: apt-get install " + debianPackage
                + " (or run bin/test as root, which installs what the tests need)");
        }
    }

    /** What a test waits for: checked again until it holds, or a minute has passed (the assertions that follow then say what is wrong). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits until {@code condition} holds, or a minute has passed. */
    public static void await(Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.holds() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    static void awaitPort(int port, Process process, Path log) throws Exception {
        awaitPort(port, process, log, 30);
    }

    /** Waits until something listens on {@code port}, failing with the log when {@code process} exits or {@code seconds} pass. */
    static void awaitPort(int port, Process process, Path log, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port + " after " + seconds + "s: " + Files.readString(log));
    }

    /** Waits until a maildir's new/ holds {@code count} messages, and returns them oldest first. */
    public static List<Path> awaitMessages(Path maildirNew, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<Path> messages = Files.isDirectory(maildirNew) ? list(maildirNew) : List.of();
            if (messages.size() >= count || System.nanoTime() > deadline) {
                return messages;
            }
            Thread.sleep(50);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /**
     * Starts a private Dovecot in the foreground: its own base and state folders under {@code dir},
     * logging to {@code dir/dovecot.log}, with {@code settings} for the service it offers on {@code port}.
     */
    static Process dovecot(Path dir, int port, List<String> settings) throws Exception {
        requireInstalled(Path.of("/usr/sbin/dovecot"), "dovecot-core");
        if (settings.contains("protocols = lmtp")) {
            requireInstalled(Path.of("/usr/lib/dovecot/lmtp"), "dovecot-lmtpd");
        }
        if (settings.contains("protocols = submission")) {
            requireInstalled(Path.of("/usr/lib/dovecot/submission"), "dovecot-submissiond");
        }
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        List<String> config = new ArrayList<>(List.of(
            "base_dir = " + dir.resolve("run"),
            "state_dir = " + dir.resolve("state"),
            "instance_name = forward-test-" + port,
            "log_path = /dev/stderr",
            "listen = 127.0.0.1",
            "default_internal_user = dovecot",
            "default_login_user = dovenull"));
        config.addAll(settings);
        Files.write(dir.resolve("dovecot.conf"), config);
        Path log = dir.resolve("dovecot.log");
        Process process = new ProcessBuilder("dovecot", "-F", "-c", dir.resolve("dovecot.conf").toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitPort(port, process, log);
        } catch (Exception e) {
            stop(process);
            throw e;
        }
        return process;
    }

    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
