package org.remoteforward.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private RabbitMQ broker (Debian's rabbitmq-server) on free 127.0.0.1 ports, with its own data
 * folder, node name, Erlang cookie (a private HOME), epmd port and management plugin (James's
 * RabbitMQ mail queue asks its HTTP API which queues exist). {@link #close()} stops it and its epmd.
 */
public final class RabbitMqBroker implements AutoCloseable {
    private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
    private static final String USER = "guest";

    private final Path dir;
    private final int amqpPort;
    private final int managementPort;
    private final Process epmd;
    private final Map<String, String> env;
    private volatile Process broker;

    private RabbitMqBroker(Path dir, int amqpPort, int managementPort, Process epmd, Map<String, String> env, Process broker) {
        this.dir = dir;
        this.amqpPort = amqpPort;
        this.managementPort = managementPort;
        this.epmd = epmd;
        this.env = env;
        this.broker = broker;
    }

    public static boolean installed() {
        return Files.isExecutable(SERVER);
    }

    public static RabbitMqBroker start(Path dir) throws Exception {
        Daemons.requireInstalled(SERVER, "rabbitmq-server");
        if (!installed()) {
            throw new IllegalStateException(SERVER + " is missing: install Debian's rabbitmq-server (.ci/run does)");
        }
        Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(dir.resolve("mnesia"));
        Files.createDirectories(dir.resolve("log"));
        int amqp = Daemons.freePort();
        int management = Daemons.freePort();
        int distribution = Daemons.freePort();
        int epmdPort = Daemons.freePort();
        Files.writeString(dir.resolve("enabled_plugins"), "[rabbitmq_management].\n");
        Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
            "listeners.tcp.default = 127.0.0.1:" + amqp,
            "management.tcp.ip = 127.0.0.1",
            "management.tcp.port = " + management,
            // the guest user may connect from 127.0.0.1 only: that is where the tests are
            "loopback_users.guest = true",
            "") );
        Map<String, String> env = Map.ofEntries(
            Map.entry("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"),
            Map.entry("HOME", dir.resolve("home").toString()),
            Map.entry("RABBITMQ_NODENAME", "rf" + amqp + "@localhost"),
            Map.entry("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"),
            Map.entry("RABBITMQ_DIST_PORT", String.valueOf(distribution)),
            Map.entry("ERL_EPMD_PORT", String.valueOf(epmdPort)),
            Map.entry("ERL_EPMD_ADDRESS", "127.0.0.1"),
            // rabbitmqctl takes ports 35672-35682 for itself unless told otherwise
            Map.entry("RABBITMQ_CTL_DIST_PORT_MIN", String.valueOf(distribution + 1)),
            Map.entry("RABBITMQ_CTL_DIST_PORT_MAX", String.valueOf(distribution + 10)),
            Map.entry("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString()),
            Map.entry("RABBITMQ_LOG_BASE", dir.resolve("log").toString()),
            Map.entry("RABBITMQ_LOGS", "-"),
            Map.entry("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString()),
            Map.entry("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString()));
        // our own epmd, in the foreground, so that it ends with the test rather than outlive it as a daemon
        ProcessBuilder epmdBuilder = new ProcessBuilder(epmdBinary(), "-port", String.valueOf(epmdPort), "-address", "127.0.0.1")
            .redirectErrorStream(true).redirectOutput(dir.resolve("epmd.log").toFile());
        epmdBuilder.environment().clear();
        epmdBuilder.environment().putAll(env);
        Process epmd = epmdBuilder.start();
        RabbitMqBroker started = new RabbitMqBroker(dir, amqp, management, epmd, env, launch(dir, env, "broker.log"));
        try {
            started.awaitUp(dir.resolve("broker.log"));
        } catch (Exception e) {
            started.close();
            throw e;
        }
        return started;
    }

    private static Process launch(Path dir, Map<String, String> env, String logName) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(SERVER.toString()).redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder.start();
    }

    private void awaitUp(Path log) throws Exception {
        awaitAmqp(amqpPort, broker, log, Duration.ofSeconds(60));
        awaitManagement(log);
    }

    /**
     * Waits until a broker speaks AMQP on {@code port}: it answers the protocol header with a
     * method frame (Connection.Start). Something else listening there, such as another daemon's
     * HTTP listener, is not taken for it; James would otherwise wait forever on a broker that
     * never came up. Fails with the log when {@code process} exits or {@code patience} passes.
     */
    static void awaitAmqp(int port, Process process, Path log, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        String heard = "nothing listening";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rabbitmq-server exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                socket.setSoTimeout(2000);
                socket.getOutputStream().write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
                int frameType = socket.getInputStream().read();
                if (frameType == 1) {
                    return;
                }
                heard = frameType < 0 ? "a listener that closed without a word" : "a listener that does not speak AMQP (first byte " + frameType + ")";
            } catch (IOException notYet) {
                heard = "nothing answering (" + notYet.getClass().getSimpleName() + ")";
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no AMQP broker on port " + port + " after " + patience.toSeconds() + "s, only " + heard + ": "
            + Files.readString(log));
    }

    /**
     * Stops the broker as its operator would (its durable queues and persistent messages stay on
     * disk), waits {@code down}, and starts it again on the same ports and folders: every
     * connection to it breaks meanwhile.
     */
    void restart(java.time.Duration down) throws Exception {
        stop(broker);
        Thread.sleep(down.toMillis());
        broker = launch(dir, env, "broker-restarted.log");
        awaitUp(dir.resolve("broker-restarted.log"));
    }

    private static void stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String epmdBinary() throws IOException {
        try (Stream<Path> erts = Files.list(Path.of("/usr/lib/erlang"))) {
            return erts.filter(path -> path.getFileName().toString().startsWith("erts-")).map(path -> path.resolve("bin/epmd"))
                .filter(Files::isExecutable).findFirst().map(Path::toString)
                .orElseThrow(() -> new IllegalStateException("no epmd under /usr/lib/erlang/erts-*"));
        }
    }

    private void awaitManagement(Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                throw new IllegalStateException("rabbitmq-server exited with " + broker.exitValue() + ": " + Files.readString(log));
            }
            try {
                if (client.send(get("/api/overview"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the plugin starts after the AMQP listener
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("RabbitMQ's management API did not answer in 60s: " + Files.readString(log));
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(managementUri().resolve(path))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + USER).getBytes(StandardCharsets.UTF_8)))
            .build();
    }

    URI amqpUri() {
        return URI.create("amqp://127.0.0.1:" + amqpPort);
    }

    URI managementUri() {
        return URI.create("http://127.0.0.1:" + managementPort);
    }

    String user() {
        return USER;
    }

    /** The broker's own data folder: what it keeps of the queues on disk. */
    Path dataDir() {
        return dir.resolve("mnesia");
    }

    /** The names of the queues the broker has, as its management API lists them (a JSON text). */
    String queuesJson() throws Exception {
        return HttpClient.newHttpClient().send(get("/api/queues"), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** CPU time the broker's processes (the Erlang VM under its start script) have used so far: for a benchmark's breakdown. */
    public Duration cpuTime() {
        ProcessHandle root = broker.toHandle();
        return Stream.concat(Stream.of(root), root.descendants())
            .map(process -> process.info().totalCpuDuration().orElse(Duration.ZERO))
            .reduce(Duration.ZERO, Duration::plus);
    }

    @Override
    public void close() throws Exception {
        for (Process process : List.of(broker, epmd)) {
            stop(process);
        }
    }
}
