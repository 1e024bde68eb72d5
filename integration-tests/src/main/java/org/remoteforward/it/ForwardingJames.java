package org.remoteforward.it;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.james.GuiceJamesServer;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.utils.DataProbeImpl;
import org.apache.james.utils.GuiceProbe;

import com.google.inject.Module;

/**
 * A real Apache James 3.8.1 memory server, in this JVM, whose processor chain hands every mail to
 * RemoteForwardMailet. With no targets it also starts a {@link MailSink} and forwards there, so a
 * newcomer can send a message and see where it landed.
 *
 * <pre>
 * ForwardingJames [--targets URI[,URI...]] [--param NAME=VALUE]... [--conf DIR] [--port N]
 * </pre>
 */
public final class ForwardingJames implements Closeable {
    private final GuiceJamesServer server;
    private final int smtpPort;
    private final MailSink sink;
    private final Path workDir;
    /** A temporary folder this made for itself (no work folder was given): removed when James stops. */
    private final boolean ownWorkDir;

    private ForwardingJames(GuiceJamesServer server, int smtpPort, MailSink sink, Path workDir, boolean ownWorkDir) {
        this.ownWorkDir = ownWorkDir;
        this.server = server;
        this.smtpPort = smtpPort;
        this.sink = sink;
        this.workDir = workDir;
    }

    /**
     * What to start.
     *
     * @param conf an operator's James conf folder to run as it is; empty: our template
     * @param targets where to forward; empty: an embedded sink
     * @param parameters further RemoteForwardMailet parameters for the template (protocol, auth, ...)
     * @param smtpPort the loopback port James listens on for SMTP; empty: a free one
     * @param onLanded told of each message the embedded sink stores
     * @param errorMailets the mailets of the error processor, as XML
     * @param users James users (address to password) that SMTP clients may authenticate as; their domains are added
     * @param workDir the folder James works in (conf, var); empty: a new temporary one. Reusing one
     *                is how a James is restarted over what it stored
     * @param overrides Guice modules put over the memory server's (a persistent mail queue, say)
     * @param synchronous parameters of ForwardingRcptHook, which then forwards during the SMTP
     *                    transaction; empty: James's SMTP server does not forward by itself
     */
    public record Options(Optional<Path> conf, List<String> targets, Map<String, String> parameters, Optional<Integer> smtpPort,
                   Consumer<MailSink.Landed> onLanded, String errorMailets, Map<String, String> users,
                   Optional<Path> workDir, List<Module> overrides, Map<String, String> synchronous) {
        /** Failed recipients are kept in a memory repository, as James's default error processor does. */
        public static final String KEEP_FAILURES = "      <mailet match=\"All\" class=\"ToRepository\"><repositoryPath>memory://var/mail/error/</repositoryPath></mailet>";

        /** Forward with the given parameters (targets among them, or none for the embedded sink). */
        public static Options forwarding(Map<String, String> parameters, String errorMailets) {
            return new Options(Optional.empty(), List.of(), parameters, Optional.empty(), landed -> { }, errorMailets, Map.of(),
                Optional.empty(), List.of(), Map.of());
        }

        /** Runs an operator's James conf folder as it is, SMTP on {@code smtpPort}. */
        public static Options ofConf(Path conf, int smtpPort) {
            return new Options(Optional.of(conf), List.of(), Map.of(), Optional.of(smtpPort), landed -> { }, KEEP_FAILURES, Map.of(),
                Optional.empty(), List.of(), Map.of());
        }

        public Options withUsers(Map<String, String> users) {
            return new Options(conf, targets, parameters, smtpPort, onLanded, errorMailets, users, workDir, overrides, synchronous);
        }

        /** James's SMTP server forwards during the transaction too, with these ForwardingRcptHook parameters. */
        public Options forwardingSynchronously(Map<String, String> hookParameters) {
            return new Options(conf, targets, parameters, smtpPort, onLanded, errorMailets, users, workDir, overrides, hookParameters);
        }

        public Options in(Path workDir, Module... overrides) {
            return new Options(conf, targets, parameters, smtpPort, onLanded, errorMailets, users, Optional.of(workDir), List.of(overrides),
                synchronous);
        }
    }

    public static ForwardingJames start(Options options) throws Exception {
        Path workDir = options.workDir().isPresent() ? Files.createDirectories(options.workDir().get())
            : Files.createTempDirectory("forwarding-james-");
        MailSink sink = null;
        int smtpPort;
        if (options.conf().isPresent()) {
            JamesConfFolder.copy(options.conf().get(), workDir);
            smtpPort = options.smtpPort().orElse(-1);
        } else {
            smtpPort = options.smtpPort().orElseGet(ForwardingJames::freePort);
            Map<String, String> parameters = new LinkedHashMap<>(options.parameters());
            if (!options.targets().isEmpty()) {
                parameters.put("targets", String.join(" ", options.targets()));
            } else if (!parameters.containsKey("targets")) {
                // nobody named a downstream: forward to our own sink, which speaks no TLS
                sink = new MailSink(workDir.resolve("sink"), options.onLanded());
                parameters.put("targets", "tcp://127.0.0.1:" + sink.port());
                parameters.putIfAbsent("starttls", "no");
            }
            JamesConfFolder.write(workDir, smtpPort, parameters, options.errorMailets(), options.synchronous());
        }
        Path logback = workDir.resolve("conf/logback.xml");
        if (Files.exists(logback) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", logback.toString());
        }
        GuiceJamesServer server = MemoryJamesServerMain.createServer(MemoryJamesConfiguration.builder()
            .workingDirectory(workDir.toFile())
            .build())
            .overrideWith(options.overrides().toArray(Module[]::new));
        try {
            server.start();
            addUsers(server, options.users());
        } catch (Exception e) {
            // stopped even when it never started: what it set up (JMX beans, threads) would outlive it in this JVM
            server.stop();
            if (sink != null) {
                sink.close();
            }
            if (options.workDir().isEmpty()) {
                deleteFolder(workDir);
            }
            throw e;
        }
        return new ForwardingJames(server, smtpPort, sink, workDir, options.workDir().isEmpty());
    }

    private static void addUsers(GuiceJamesServer server, Map<String, String> users) throws Exception {
        DataProbeImpl data = server.getProbe(DataProbeImpl.class);
        for (String domain : users.keySet().stream().map(user -> user.substring(user.indexOf('@') + 1)).distinct().toList()) {
            data.addDomain(domain);
        }
        for (Map.Entry<String, String> user : users.entrySet()) {
            data.addUser(user.getKey(), user.getValue());
        }
    }

    public int smtpPort() {
        return smtpPort;
    }

    /** A Guice probe registered with this James (by an override module), to look inside it. */
    public <T extends GuiceProbe> T probe(Class<T> type) {
        return server.getProbe(type);
    }

    Optional<MailSink> sink() {
        return Optional.ofNullable(sink);
    }

    Path workDir() {
        return workDir;
    }

    @Override
    public void close() throws IOException {
        server.stop();
        if (sink != null) {
            sink.close();
        }
        if (ownWorkDir) {
            deleteFolder(workDir);
        }
    }

    /** Removes a folder and all it holds; what cannot be removed (a file a daemon still writes) stays, and is said. */
    static void deleteFolder(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    System.err.println("could not remove " + file + ": " + e.getMessage());
                }
            }
        }
    }

    private static int freePort() {
        try {
            return Daemons.freePort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: ForwardingJames [--targets URI[,URI...]] [--param NAME=VALUE]... [--conf DIR] [--port N]");
            System.exit(2);
            return;
        }
        ForwardingJames james = start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                james.close();
            } catch (IOException ignored) {
                // the process is ending
            }
            stopped.countDown();
        }));
        System.out.println();
        System.out.println("Apache James 3.8.1 is running with RemoteForwardMailet (work folder " + james.workDir() + ").");
        if (james.smtpPort() > 0) {
            System.out.println("  SMTP in:     127.0.0.1:" + james.smtpPort());
        } else {
            System.out.println("  SMTP in:     as bound in " + james.workDir().resolve("conf/smtpserver.xml"));
        }
        james.sink().ifPresentOrElse(
            sink -> System.out.println("  Forwards to: tcp://127.0.0.1:" + sink.port() + " (an embedded sink; each message lands in " + sink.dir() + ")"),
            () -> System.out.println("  Forwards to: " + (options.targets().isEmpty() ? "the targets in " + options.conf().orElseThrow() : String.join(" ", options.targets()))));
        if (james.smtpPort() > 0) {
            System.out.println("  Try:         swaks --to someone@example.com --from you@example.com --server 127.0.0.1:" + james.smtpPort());
        }
        System.out.println("Ctrl-C stops it" + (james.ownWorkDir ? " and removes " + james.workDir() + ", the sink's messages with it." : "."));
        stopped.await();
    }

    static Options parse(String[] args) {
        Optional<Path> conf = Optional.empty();
        List<String> targets = new ArrayList<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        Optional<Integer> port = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new IllegalArgumentException("Starts a James 3.8.1 memory server that forwards all mail with RemoteForwardMailet.");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--conf" -> conf = Optional.of(Path.of(value));
                case "--targets" -> targets.addAll(List.of(value.split("[,\\s]+")));
                case "--param" -> {
                    int equals = value.indexOf('=');
                    if (equals <= 0) {
                        throw new IllegalArgumentException("--param takes NAME=VALUE, not " + value);
                    }
                    parameters.put(value.substring(0, equals), value.substring(equals + 1));
                }
                case "--port" -> {
                    try {
                        port = Optional.of(Integer.parseInt(value));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port takes a number, not " + value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (conf.isPresent() && (!targets.isEmpty() || !parameters.isEmpty())) {
            throw new IllegalArgumentException("--conf runs an operator's configuration as it is: --targets and --param go with the built-in one");
        }
        return new Options(conf, targets, parameters, port,
            landed -> System.out.println("Mail landed: " + landed.file() + " (from <" + landed.sender() + "> to " + landed.recipients() + ")"),
            Options.KEEP_FAILURES, Map.of(), Optional.empty(), List.of(), Map.of());
    }
}
