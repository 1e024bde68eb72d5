package org.remoteforward.bench;

import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.remoteforward.it.Dovecot;
import org.remoteforward.it.ForwardingJames;
import org.remoteforward.it.RabbitMqBroker;
import org.remoteforward.it.RabbitMqMailQueue;
import org.remoteforward.it.JamesConfFolder;
import org.remoteforward.it.Postfix;
import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.ConnectionSettings;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DialogueLogging;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Envelope;
import org.remoteforward.sender.MessageSource;
import org.remoteforward.sender.Protocol;
import org.remoteforward.sender.SenderSettings;
import org.remoteforward.sender.Timeouts;
import org.remoteforward.sender.TlsSettings;

/**
 * Measures, in one run on one machine, messages per second of:
 * P1 the sender alone against Postfix's smtp-sink, next to smtp-source against the same sink, at
 * 1 and 10 sessions, with connection reuse and pipelining each on and off;
 * P2 a real James 3.8.1 with RemoteForwardMailet against the same James with RemoteDelivery in
 * gateway mode, fed by the same SMTP load and forwarding to the same counting sink, and on
 * James's RabbitMQ queue (a private broker) next to James's ceiling there;
 * P3 a 50 MB message through the sender in a JVM limited to 256 MB, with its peak RSS;
 * P4 the sender over LMTP to a real Dovecot, next to Postfix's lmtp client delivering to it.
 * Each figure is the median of several runs. Prints a table; writes it and a chart per group to
 * the folder given as argument (default {@code benchmarks/target/results}).
 */
public final class Benchmark {
    private static final int MESSAGE_SIZE = 4096;
    private static final int RUNS = Integer.getInteger("bench.runs", 3);
    private static final int P1_MESSAGES = Integer.getInteger("bench.p1.messages", 4000);
    private static final int P2_MESSAGES = Integer.getInteger("bench.p2.messages", 1500);
    private static final int P2_CLIENTS = 8;
    private static final int P4_MESSAGES = Integer.getInteger("bench.p4.messages", 2000);
    private static final int P2_DELIVERY_THREADS = 8;

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/target/results");
        Files.createDirectories(out);
        List<Measurement> results = new ArrayList<>();
        // -Dbench.groups=P2,P4 runs only those (all by default)
        Set<String> groups = Set.of(System.getProperty("bench.groups", "P1,P2,P3,P4").toUpperCase().split(","));
        if (groups.contains("P1")) {
            p1(results);
        }
        if (groups.contains("P2")) {
            p2(results);
        }
        if (groups.contains("P4")) {
            p4(results);
        }
        String p3 = groups.contains("P3") ? p3() : "not run (bench.groups)";
        String table = table(results, p3);
        System.out.println(table);
        Files.writeString(out.resolve("results.md"), table);
        Chart.write(results, out, "james-remote-forward on " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("wrote " + out.resolve("results.md") + " and " + out.resolve("benchmark-p1.png") + ", " + out.resolve("benchmark-p2.png"));
        // James 3.8.1's memory mail queue leaves non-daemon threads behind after the server stops
        System.exit(0);
    }

    // ---- P1: the sender alone, and smtp-source, against smtp-sink

    private static void p1(List<Measurement> results) throws Exception {
        int port = freePort();
        Process sink = new ProcessBuilder("smtp-sink", "-u", "nobody", "127.0.0.1:" + port, "1024")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitPort(port);
            senderRate(port, 1, 1000, true, true);   // warm the JIT up
            for (int sessions : new int[] {1, 10}) {
                results.add(new Measurement("P1", "smtp-source, " + sessions + " session(s), reusing connections (-d)",
                    runs(() -> smtpSourceRate(port, sessions, true)), "the practical limit"));
                results.add(new Measurement("P1", "sender, " + sessions + " session(s), pool + pipelining",
                    runs(() -> senderRate(port, sessions, P1_MESSAGES, true, true)), ""));
                results.add(new Measurement("P1", "sender, " + sessions + " session(s), pool, no pipelining",
                    runs(() -> senderRate(port, sessions, P1_MESSAGES, true, false)), ""));
                results.add(new Measurement("P1", "smtp-source, " + sessions + " session(s), a connection per message",
                    runs(() -> smtpSourceRate(port, sessions, false)), ""));
                results.add(new Measurement("P1", "sender, " + sessions + " session(s), a connection per message",
                    runs(() -> senderRate(port, sessions, P1_MESSAGES / 4, false, false)), "as maddy and RemoteDelivery"));
            }
        } finally {
            sink.destroy();
            sink.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static double senderRate(int port, int sessions, int messages, boolean reuse, boolean pipelining) throws Exception {
        return senderRate(Protocol.SMTP, port, "b@example.com", sessions, messages, reuse, pipelining, false);
    }

    private static double senderRate(Protocol protocol, int port, String recipient, int sessions, int messages, boolean reuse,
                                     boolean pipelining, boolean chunking) throws Exception {
        ConnectionSettings connections = new ConnectionSettings(reuse, Math.max(sessions, 1) * 2, Duration.ofSeconds(30),
            Duration.ofMinutes(5), 1_000_000, Duration.ZERO, pipelining, chunking);
        SenderSettings settings = new SenderSettings(protocol, List.of(Endpoint.parse("tcp://127.0.0.1:" + port)), false,
            TlsSettings.DEFAULTS, AuthMode.OFF, Optional.empty(), new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(30),
            Duration.ofSeconds(60)), "bench.test", DialogueLogging.OFF, connections, false, false);
        MessageSource message = message();
        Envelope envelope = new Envelope("a@example.com", List.of(recipient));
        try (DownstreamSender sender = DownstreamSender.create(settings)) {
            AtomicInteger remaining = new AtomicInteger(messages);
            AtomicLong failed = new AtomicLong();
            ExecutorService workers = Executors.newFixedThreadPool(sessions);
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                done.add(workers.submit(() -> {
                    while (remaining.getAndDecrement() > 0) {
                        DeliveryResult result = sender.deliver(envelope, message);
                        if (!result.failed().isEmpty()) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            long elapsed = System.nanoTime() - start;
            workers.shutdown();
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " messages failed");
            }
            return messages / (elapsed / 1e9);
        }
    }

    private static double smtpSourceRate(int port, int sessions, boolean reuse) throws Exception {
        int messages = reuse ? P1_MESSAGES : P1_MESSAGES / 4;
        List<String> command = new ArrayList<>(List.of("smtp-source", "-s", Integer.toString(sessions), "-m", Integer.toString(messages),
            "-l", Integer.toString(MESSAGE_SIZE), "-f", "a@example.com", "-t", "b@example.com"));
        if (reuse) {
            command.add("-d");
        }
        command.add("127.0.0.1:" + port);
        long start = System.nanoTime();
        Process source = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(source.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (source.waitFor() != 0) {
            throw new IllegalStateException("smtp-source failed: " + output);
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    // ---- P2: James with RemoteForwardMailet against James with RemoteDelivery in gateway mode

    private static void p2(List<Measurement> results) throws Exception {
        try (CountingSink sink = new CountingSink()) {
            Map<String, String> forward = Map.of("targets", "tcp://127.0.0.1:" + sink.port(), "starttls", "no",
                "heloName", "bench.test", "deliveryThreads", Integer.toString(P2_DELIVERY_THREADS));
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES))) {
                jamesRate(james.smtpPort(), sink, 300);
                results.add(new Measurement("P2", "James 3.8.1 + RemoteForwardMailet",
                    runs(() -> jamesRate(james.smtpPort(), sink, P2_MESSAGES)), P2_CLIENTS + " SMTP clients, " + P2_DELIVERY_THREADS + " delivery threads"));
            }
            Map<String, String> inline = new HashMap<>(forward);
            inline.put("inline", "yes");
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(inline, ForwardingJames.Options.KEEP_FAILURES))) {
                jamesRate(james.smtpPort(), sink, 300);
                results.add(new Measurement("P2", "James 3.8.1 + RemoteForwardMailet, inline",
                    runs(() -> jamesRate(james.smtpPort(), sink, P2_MESSAGES)), "first attempt in service(): no second queue"));
            }
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
                .forwardingSynchronously(Map.of("targets", "tcp://127.0.0.1:" + sink.port(), "starttls", "no", "heloName", "bench.test")))) {
                jamesRate(james.smtpPort(), sink, 300);
                results.add(new Measurement("P2", "James 3.8.1 + synchronous forwarding (SMTP hooks)",
                    runs(() -> jamesRate(james.smtpPort(), sink, P2_MESSAGES)), "forwarded during each SMTP transaction: no queue"));
            }
            int nullPort = freePort();
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(withMailet(sink.port(), nullPort,
                "<mailet match=\"All\" class=\"Null\"/>"), nullPort))) {
                jamesRate(nullPort, null, 300);
                results.add(new Measurement("P2", "James 3.8.1 + Null mailet (James's own ceiling)",
                    runs(() -> jamesRate(nullPort, null, P2_MESSAGES)), "receive and spool only, nothing forwarded"));
            }
            int port = freePort();
            Path conf = withMailet(sink.port(), port, remoteDelivery(sink.port()));
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, port))) {
                jamesRate(port, sink, 300);
                results.add(new Measurement("P2", "James 3.8.1 + RemoteDelivery (gateway)",
                    runs(() -> jamesRate(port, sink, P2_MESSAGES)), P2_CLIENTS + " SMTP clients, " + P2_DELIVERY_THREADS + " delivery threads"));
            }
            p2OnRabbitMq(results, sink, forward);
        }
    }

    /** The mailet and James's ceiling again, on distributed James's mail queue: a private RabbitMQ broker, one James. */
    private static void p2OnRabbitMq(List<Measurement> results, CountingSink sink, Map<String, String> forward) throws Exception {
        if (!RabbitMqBroker.installed()) {
            System.out.println("P2 on RabbitMQ skipped: rabbitmq-server is not installed (apt-get install rabbitmq-server)");
            return;
        }
        Path work = Files.createTempDirectory("bench-rabbitmq-");
        try (RabbitMqBroker broker = RabbitMqBroker.start(work.resolve("broker"))) {
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
                .in(work.resolve("james"), new RabbitMqMailQueue(broker, work.resolve("blobs"))))) {
                jamesRate(james.smtpPort(), sink, 300);
                results.add(new Measurement("P2", "James 3.8.1 + RemoteForwardMailet, RabbitMQ queue",
                    runs(() -> jamesRate(james.smtpPort(), sink, P2_MESSAGES)), "one node; spool and outgoing queue on a local broker, blobs in a folder"));
            }
            int nullPort = freePort();
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(withMailet(sink.port(), nullPort,
                "<mailet match=\"All\" class=\"Null\"/>"), nullPort).in(work.resolve("null-james"), new RabbitMqMailQueue(broker, work.resolve("null-blobs"))))) {
                jamesRate(nullPort, null, 300);
                results.add(new Measurement("P2", "James 3.8.1 + Null mailet, RabbitMQ queue (ceiling there)",
                    runs(() -> jamesRate(nullPort, null, P2_MESSAGES)), "receive and spool on the broker only, nothing forwarded"));
            }
        }
    }

    /** RemoteDelivery in gateway mode to the sink. */
    private static String remoteDelivery(int sinkPort) {
        return "<mailet match=\"All\" class=\"RemoteDelivery\">\n"
                + "        <outgoingQueue>outgoing</outgoingQueue>\n"
                + "        <delayTime>5000, 100000, 500000</delayTime>\n"
                + "        <maxRetries>3</maxRetries>\n"
                + "        <maxDnsProblemRetries>0</maxDnsProblemRetries>\n"
                + "        <deliveryThreads>" + P2_DELIVERY_THREADS + "</deliveryThreads>\n"
                + "        <sendpartial>true</sendpartial>\n"
                + "        <bounceProcessor>error</bounceProcessor>\n"
                + "        <gateway>127.0.0.1</gateway>\n"
                + "        <gatewayPort>" + sinkPort + "</gatewayPort>\n"
                + "      </mailet>";
    }

    /** The same James as ours, its forward processor holding {@code mailet} instead of RemoteForwardMailet. */
    private static Path withMailet(int sinkPort, int smtpPort, String mailet) throws IOException {
        Path work = Files.createTempDirectory("compared-james-");
        Path conf = JamesConfFolder.write(work, smtpPort, Map.of("targets", "tcp://127.0.0.1:" + sinkPort), ForwardingJames.Options.KEEP_FAILURES);
        Path mailetcontainer = conf.resolve("mailetcontainer.xml");
        String xml = Files.readString(mailetcontainer).replaceAll(
            "(?s)<mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">.*?</mailet>", mailet);
        Files.writeString(mailetcontainer, xml);
        return conf;
    }

    /**
     * Messages per second from the first SMTP command to James until the sink holds them all
     * (without a sink: until James has accepted them all).
     */
    private static double jamesRate(int jamesPort, CountingSink sink, int messages) throws Exception {
        if (sink != null) {
            sink.reset();
        }
        AtomicInteger remaining = new AtomicInteger(messages);
        ExecutorService clients = Executors.newFixedThreadPool(P2_CLIENTS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < P2_CLIENTS; i++) {
            done.add(clients.submit(() -> {
                feed(jamesPort, remaining);
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        clients.shutdown();
        if (sink != null && !sink.await(messages, 600)) {
            throw new IllegalStateException("only " + sink.messages() + " of " + messages + " messages arrived");
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    /** One SMTP client: sends messages over one connection while any remain. */
    private static void feed(int port, AtomicInteger remaining) throws IOException {
        byte[] body = body();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            expect(in, "220");
            command(out, in, "EHLO load.test", "250");
            while (remaining.getAndDecrement() > 0) {
                command(out, in, "MAIL FROM:<a@example.com>", "250");
                command(out, in, "RCPT TO:<b@example.com>", "250");
                command(out, in, "DATA", "354");
                out.write(body);
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, "250");
            }
            command(out, in, "QUIT", "221");
        }
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed, expected " + code);
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + line);
        }
    }

    // ---- P4: LMTP to a real Dovecot, and Postfix's lmtp client delivering to the same Dovecot

    private static void p4(List<Measurement> results) throws Exception {
        Path dir = Files.createTempDirectory("bench-lmtp-");
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"))) {
            senderRate(Protocol.LMTP, dovecot.lmtpPort(), "known@example.com", 1, 200, true, true, true);
            for (int sessions : new int[] {1, 10}) {
                results.add(new Measurement("P4", "sender over LMTP to Dovecot, " + sessions + " session(s), pool + pipelining + BDAT",
                    runs(() -> senderRate(Protocol.LMTP, dovecot.lmtpPort(), "known@example.com", sessions, P4_MESSAGES, true, true, true)),
                    "each message stored in a maildir"));
            }
            try (Postfix postfix = Postfix.setup().lmtpTo(dovecot.lmtpPort()).start(dir.resolve("postfix"))) {
                results.add(new Measurement("P4", "smtp-source into Postfix, its lmtp client to Dovecot, 10 sessions",
                    runs(() -> postfixLmtpRate(postfix.smtpPort(), dovecot)), "end to end, through Postfix's queue"));
            }
        }
    }

    /** Messages per second from smtp-source's first message to Postfix until Dovecot has stored them all. */
    private static double postfixLmtpRate(int postfixPort, Dovecot dovecot) throws Exception {
        int before = dovecot.awaitMessages("known", 0).size();
        long start = System.nanoTime();
        Process source = new ProcessBuilder("smtp-source", "-s", "10", "-m", Integer.toString(P4_MESSAGES), "-l", Integer.toString(MESSAGE_SIZE),
            "-d", "-f", "a@example.com", "-t", "known@example.com", "127.0.0.1:" + postfixPort).redirectErrorStream(true).start();
        String output = new String(source.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (source.waitFor() != 0) {
            throw new IllegalStateException("smtp-source failed: " + output);
        }
        int stored = dovecot.awaitMessages("known", before + P4_MESSAGES).size() - before;
        if (stored < P4_MESSAGES) {
            throw new IllegalStateException("Dovecot stored " + stored + " of " + P4_MESSAGES);
        }
        return P4_MESSAGES / ((System.nanoTime() - start) / 1e9);
    }

    // ---- P3: 50 MB through the sender with -Xmx256m

    private static String p3() throws Exception {
        try (CountingSink sink = new CountingSink()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LargeMessageChild.class.getName(), Integer.toString(sink.port()))
                .redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int exit = child.waitFor();
            boolean arrived = sink.await(1, 60);
            return "50 MB message through the sender in a JVM with -Xmx256m: " + (exit == 0 && arrived ? "delivered" : "FAILED")
                + ", " + String.format("%.1f", sink.bytes() / 1048576.0) + " MiB received; " + output;
        }
    }

    // ---- helpers

    @FunctionalInterface
    private interface Run {
        double rate() throws Exception;
    }

    private static List<Double> runs(Run run) throws Exception {
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            rates.add(run.rate());
        }
        return rates;
    }

    static MessageSource message() {
        byte[] bytes = body();
        return new MessageSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(bytes);
            }
        };
    }

    private static byte[] body() {
        StringBuilder text = new StringBuilder("From: a@example.com\r\nTo: b@example.com\r\nSubject: benchmark\r\n\r\n");
        while (text.length() < MESSAGE_SIZE - 80) {
            text.append("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(25);
            }
        }
        throw new IllegalStateException("smtp-sink did not start on " + port);
    }

    private static String table(List<Measurement> results, String p3) {
        StringBuilder text = new StringBuilder("| | scenario | messages/s (median of " + RUNS + ") | runs | note |\n|---|---|---:|---|---|\n");
        for (Measurement m : results) {
            text.append("| ").append(m.group()).append(" | ").append(m.scenario()).append(" | ")
                .append(String.format("%.0f", m.median())).append(" | ")
                .append(m.rates().stream().map(r -> String.format("%.0f", r)).reduce((a, b) -> a + ", " + b).orElse(""))
                .append(" | ").append(m.note()).append(" |\n");
        }
        text.append("\nP3: ").append(p3).append('\n');
        text.append("\nMachine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
            .append(Runtime.version()).append(", everything on loopback\n");
        return text.toString();
    }
}
