package org.remoteforward.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One node of a distributed James: a James 3.8.1 memory server on James's RabbitMQ mail queue, in
 * a JVM of its own, so that a test can run several on one broker and kill one with SIGKILL. Its
 * output goes to {@code node.log} in its work folder. {@link #main} is what that JVM runs.
 */
final class JamesNode implements AutoCloseable {
    private static final String READY = "JAMES NODE READY ON SMTP PORT ";

    private final String name;
    private final Process process;
    private final Path log;
    private final int smtpPort;

    private JamesNode(String name, Process process, Path log, int smtpPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.smtpPort = smtpPort;
    }

    /**
     * Starts a node over {@code broker} whose James blobs are in the shared {@code blobs} folder.
     *
     * @param parameters RemoteForwardMailet's parameters
     * @param users James users (address to password)
     */
    static JamesNode start(String name, RabbitMqBroker broker, Path blobs, Path workDir, Map<String, String> parameters,
                           Map<String, String> users) throws Exception {
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx384m", "-cp", System.getProperty("java.class.path"), JamesNode.class.getName(),
            "--amqp", broker.amqpUri().toString(), "--management", broker.managementUri().toString(), "--user", broker.user(),
            "--blobs", blobs.toString(), "--work", workDir.toString()));
        parameters.forEach((key, value) -> command.addAll(List.of("--param", key + "=" + value)));
        users.forEach((user, password) -> command.addAll(List.of("--account", user + "=" + password)));
        Path log = workDir.resolve("node.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CountDownLatch ready = new CountDownLatch(1);
        int[] port = {-1};
        Thread pump = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.startsWith(READY)) {
                        port[0] = Integer.parseInt(line.substring(READY.length()).trim());
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the node is gone; its log says why
            }
            ready.countDown();
        }, name + "-output");
        pump.setDaemon(true);
        pump.start();
        if (!ready.await(120, TimeUnit.SECONDS) || port[0] < 0) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("James node " + name + " did not start: " + Files.readString(log));
        }
        return new JamesNode(name, process, log, port[0]);
    }

    int smtpPort() {
        return smtpPort;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGKILL: the node stops mid-whatever, acknowledging nothing more. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return "JamesNode[" + name + ", pid " + process.pid() + "]";
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        Map<String, String> accounts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--param" -> parameters.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
                case "--account" -> accounts.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
                default -> options.put(args[i], value);
            }
        }
        RabbitMqMailQueue queue = new RabbitMqMailQueue(URI.create(options.get("--amqp")), URI.create(options.get("--management")),
            options.get("--user"), Path.of(options.get("--blobs")), blob -> false);
        ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(parameters, ForwardingJames.Options.KEEP_FAILURES)
            .withUsers(accounts).in(Path.of(options.get("--work")), queue));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                james.close();
            } catch (IOException ignored) {
                // the JVM is ending
            }
        }));
        System.out.println(READY + james.smtpPort());
        Thread.currentThread().join();
    }
}
