package org.remoteforward.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.remoteforward.it.Daemons;
import org.remoteforward.it.Dovecot;
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
 * Measures, in one run on one machine:
 * P1 the sender alone against Postfix's smtp-sink, next to smtp-source against the same sink, at
 * 1 and 10 sessions, with connection reuse and pipelining each on and off;
 * P2 a real James 3.8.1 with RemoteForwardMailet (its defaults, inline no, inline yes), with the synchronous hooks,
 * with RemoteDelivery in gateway mode, and with a Null mailet (James's own ceiling), fed by the
 * same SMTP load and forwarding to the same counting sink, then each forwarding path's latency
 * at half its rate; and the mailet and the ceiling on James's RabbitMQ queue ({@link JamesPaths});
 * P3 a 100 MB and a 1 GB message through the sender in a JVM limited to 64 MB, next to smtp-source;
 * P4 the sender over LMTP to a real Dovecot, next to Postfix's lmtp client delivering to it;
 * S the scale curves: message size, recipients per message, synchronous sessions ({@link ScaleCurves}).
 * Each rate is the median of several runs, the scenarios of a group taking turns run by run, so
 * that a slow moment of the machine falls on all of them. Prints the results; writes them with
 * the charts to the folder given as argument (default {@code benchmarks/target/results}).
 * {@code -Dbench.groups=P2,S} runs only those groups; {@code -Dbench.smoke=true} runs everything
 * once on a few messages (CI's check that the benchmark still runs).
 */
public final class Benchmark {
    static final int MESSAGE_SIZE = 4096;
    static final int P2_CLIENTS = 8;
    static final int P2_DELIVERY_THREADS = 8;

    private final Plan plan;
    private final Report report;

    Benchmark(Plan plan) {
        this.plan = plan;
        this.report = new Report(plan);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/target/results");
        Report report = new Benchmark(Plan.fromSystemProperties()).run(out);
        System.out.println(report.markdown());
        System.out.println("wrote " + out.resolve("results.md") + " and the charts next to it");
        // James 3.8.1's memory mail queue leaves non-daemon threads behind after the server stops
        System.exit(0);
    }

    /** Runs the plan's groups and writes what they measured to {@code out}. */
    Report run(Path out) throws Exception {
        if (plan.runs("P1")) {
            p1();
        }
        if (plan.runs("P2")) {
            new JamesPaths(plan, report).run();
        }
        if (plan.runs("P3")) {
            p3();
        }
        if (plan.runs("P4")) {
            p4();
        }
        if (plan.runs("S")) {
            new ScaleCurves(plan, report).run();
        }
        report.write(out);
        return report;
    }

    // ---- P1: the sender alone, and smtp-source, against smtp-sink

    private void p1() throws Exception {
        try (SmtpSink sink = SmtpSink.start()) {
            for (int sessions : new int[] {1, 10}) {
                // the JIT compiles the sender at this concurrency before anything is timed
                warmUp(() -> senderRate(sink.port(), sessions, plan.p1WarmUp(), true, true), plan.warmUpSeconds());
                Rounds rounds = new Rounds("P1", plan.runs());
                String reusing = "smtp-source, " + sessions + " session(s), reusing connections (-d)";
                String perMessage = "smtp-source, " + sessions + " session(s), a connection per message";
                rounds.add(reusing, Role.anchor("smtp-source -d"), "the practical limit",
                    () -> SmtpSource.of(sessions, plan.p1Messages()).rate(sink.port()));
                rounds.add("sender, " + sessions + " session(s), pool + pipelining", Role.ours(reusing), "",
                    () -> senderRate(sink.port(), sessions, plan.p1Messages(), true, true));
                rounds.add("sender, " + sessions + " session(s), pool, no pipelining", Role.ours(reusing), "",
                    () -> senderRate(sink.port(), sessions, plan.p1Messages(), true, false));
                rounds.add(perMessage, Role.anchor("smtp-source"), "",
                    () -> SmtpSource.of(sessions, plan.p1Messages() / 4).reuse(false).rate(sink.port()));
                rounds.add("sender, " + sessions + " session(s), a connection per message", Role.ours(perMessage), "as maddy and RemoteDelivery",
                    () -> senderRate(sink.port(), sessions, plan.p1Messages() / 4, false, false));
                rounds.run().forEach(report::rate);
            }
        }
    }

    static double senderRate(int port, int sessions, int messages, boolean reuse, boolean pipelining) throws Exception {
        return new SenderLoad(Protocol.SMTP, port, sessions, reuse, pipelining, false).rate(messages, List.of("b@example.com"), message(MESSAGE_SIZE));
    }

    /** The sender driven by {@code sessions} threads, each delivering while messages remain. */
    record SenderLoad(Protocol protocol, int port, int sessions, boolean reuse, boolean pipelining, boolean chunking) {
        double rate(int messages, List<String> recipients, MessageSource message) throws Exception {
            ConnectionSettings connections = new ConnectionSettings(reuse, Math.max(sessions, 1) * 2, Duration.ofSeconds(30),
                Duration.ofMinutes(5), 1_000_000, Duration.ZERO, pipelining, chunking);
            SenderSettings settings = new SenderSettings(protocol, List.of(Endpoint.parse("tcp://127.0.0.1:" + port)), false,
                TlsSettings.DEFAULTS, AuthMode.OFF, Optional.empty(), new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofMinutes(5)), "bench.test", DialogueLogging.OFF, connections, false, false);
            Envelope envelope = new Envelope("a@example.com", recipients);
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
    }

    // ---- P3: 100 MB and 1 GB through the sender with -Xmx64m, and through smtp-source

    private void p3() throws Exception {
        try (SmtpSink sink = SmtpSink.start()) {
            for (long size : plan.p3Sizes()) {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    LargeMessageChild.class.getName(), Integer.toString(sink.port()), Long.toString(size))
                    .redirectErrorStream(true).start();
                String[] sent = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+");
                if (child.waitFor() != 0 || !sent[0].equals("sent")) {
                    throw new IllegalStateException("the sender did not deliver " + size + " bytes: " + String.join(" ", sent));
                }
                double senderMbs = size / 1e6 / Double.parseDouble(sent[2]);
                // smtp-source, measured the same way: its run time, and its peak RSS read while it runs (VmHWM only grows)
                long start = System.nanoTime();
                Process source = SmtpSource.of(1, 1).size(size).reuse(false).start(sink.port(), ProcessBuilder.Redirect.DISCARD);
                long peakKb = 0;
                while (!source.waitFor(10, TimeUnit.MILLISECONDS)) {
                    peakKb = Math.max(peakKb, peakRssKb(source.pid()));
                }
                double sourceSeconds = (System.nanoTime() - start) / 1e9;
                if (source.exitValue() != 0) {
                    throw new IllegalStateException("smtp-source failed to send " + size + " bytes");
                }
                report.largeMessage(String.format("| %s | %.0f | %s | %.0f | %s |", mib(size), senderMbs, mib(Long.parseLong(sent[3]) * 1024),
                    size / 1e6 / sourceSeconds, mib(peakKb * 1024)));
            }
        }
    }

    /** A running process's peak resident set size so far, in kB; 0 once it has gone. */
    private static long peakRssKb(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(line -> line.startsWith("VmHWM"))
                .findFirst().map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (IOException gone) {
            return 0;
        }
    }

    private static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.0f GiB", bytes / (double) (1L << 30)) : String.format("%.0f MiB", bytes / (double) (1L << 20));
    }

    // ---- P4: LMTP to a real Dovecot, and Postfix's lmtp client delivering to the same Dovecot

    private void p4() throws Exception {
        Path dir = Files.createTempDirectory("bench-lmtp-");
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().lmtpTo(dovecot.lmtpPort()).start(dir.resolve("postfix"))) {
            SenderLoad lmtp = new SenderLoad(Protocol.LMTP, dovecot.lmtpPort(), 10, true, true, true);
            lmtp.rate(Math.max(plan.p4Messages() / 10, 20), List.of("known@example.com"), message(MESSAGE_SIZE));
            Rounds rounds = new Rounds("P4", plan.runs());
            String postfixPath = "smtp-source into Postfix, its lmtp client to Dovecot, 10 sessions";
            for (int sessions : new int[] {1, 10}) {
                SenderLoad load = new SenderLoad(Protocol.LMTP, dovecot.lmtpPort(), sessions, true, true, true);
                rounds.add("sender over LMTP to Dovecot, " + sessions + " session(s), pool + pipelining + BDAT", Role.ours(postfixPath),
                    "each message stored in a maildir", () -> load.rate(plan.p4Messages(), List.of("known@example.com"), message(MESSAGE_SIZE)));
            }
            rounds.add(postfixPath, Role.anchor("Postfix's lmtp"), "end to end, through Postfix's queue",
                () -> postfixLmtpRate(postfix.smtpPort(), dovecot));
            rounds.run().forEach(report::rate);
        } finally {
            JamesPaths.delete(dir);
        }
    }

    /** Messages per second from smtp-source's first message to Postfix until Dovecot has stored them all. */
    private double postfixLmtpRate(int postfixPort, Dovecot dovecot) throws Exception {
        int messages = plan.p4Messages();
        int before = dovecot.awaitMessages("known", 0).size();
        long start = System.nanoTime();
        SmtpSource.of(10, messages).to("known@example.com").rate(postfixPort);
        int stored = dovecot.awaitMessages("known", before + messages).size() - before;
        if (stored < messages) {
            throw new IllegalStateException("Dovecot stored " + stored + " of " + messages);
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    // ---- helpers

    /**
     * Runs {@code batch} until the JIT has settled: James is a large program, and on two cores its
     * compilers are still at work minutes into a steady load (about 200,000 messages, measured with
     * {@code ProfileJames}), its hot paths meanwhile in slower, profiled code and a third as fast,
     * which a short warm-up would measure instead of the steady state a relay lives in. Settled means the compilers worked less than a twentieth of the last batch's
     * time, checked after at least two batches and given up on after {@code limitSeconds}.
     */
    static void warmUp(Run batch, int limitSeconds) throws Exception {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
        for (int round = 1; ; round++) {
            long compiledBefore = jit.getTotalCompilationTime();
            long start = System.nanoTime();
            batch.rate();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long compilingMillis = jit.getTotalCompilationTime() - compiledBefore;
            boolean settled = round >= 2 && compilingMillis * 20 < elapsedMillis;
            if (settled || System.nanoTime() > deadline) {
                System.out.printf("warmed up: %d batches, %s (compilers busy %d ms of the last %d)%n", round,
                    settled ? "the JIT settled" : "the JIT still busy at the time limit", compilingMillis, elapsedMillis);
                return;
            }
        }
    }

    /** A rate measured once per run. */
    @FunctionalInterface
    interface Run {
        double rate() throws Exception;
    }

    /** Scenarios of one group measured in turns: run 1 of each, then run 2 of each... */
    static final class Rounds {
        private final String group;
        private final int runs;
        private final Map<String, Run> scenarios = new LinkedHashMap<>();
        private final Map<String, String> notes = new LinkedHashMap<>();
        private final Map<String, Role> roles = new LinkedHashMap<>();

        Rounds(String group, int runs) {
            this.group = group;
            this.runs = runs;
        }

        void add(String scenario, String note, Run run) {
            add(scenario, Role.NONE, note, run);
        }

        void add(String scenario, Role role, String note, Run run) {
            scenarios.put(scenario, run);
            notes.put(scenario, note);
            roles.put(scenario, role);
        }

        List<Measurement> run() throws Exception {
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int i = 0; i < runs; i++) {
                for (Map.Entry<String, Run> scenario : scenarios.entrySet()) {
                    rates.computeIfAbsent(scenario.getKey(), k -> new ArrayList<>()).add(scenario.getValue().rate());
                }
            }
            return rates.entrySet().stream().map(e -> new Measurement(group, e.getKey(), e.getValue(), notes.get(e.getKey()), roles.get(e.getKey()))).toList();
        }
    }

    static MessageSource message(int size) {
        byte[] bytes = body(size);
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

    /** A message of about {@code size} bytes: a few header fields and 80-byte CRLF lines. */
    static byte[] body(int size) {
        StringBuilder text = new StringBuilder("From: a@example.com\r\nTo: b@example.com\r\nSubject: benchmark\r\n\r\n");
        String line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef\r\n";
        while (text.length() + line.length() <= size) {
            text.append(line);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The synchronous hooks' parameters for forwarding to {@code sink}. */
    static Map<String, String> forwardTo(CountingSink sink) {
        return Map.of("targets", "tcp://127.0.0.1:" + sink.port(), "starttls", "no", "heloName", "bench.test");
    }

    /** RemoteForwardMailet's parameters for forwarding to {@code sink}: the hooks', and its delivery threads. */
    static Map<String, String> mailetForwardingTo(CountingSink sink) {
        Map<String, String> parameters = new LinkedHashMap<>(forwardTo(sink));
        parameters.put("deliveryThreads", Integer.toString(P2_DELIVERY_THREADS));
        return parameters;
    }

    /** Messages per second from the first SMTP command to James until {@code destination} holds them all. */
    static double jamesRate(int jamesPort, Destination destination, SmtpLoad load, int messages) throws Exception {
        return jamesRate(jamesPort, destination, load, messages, Arrivals.NONE);
    }

    static double jamesRate(int jamesPort, Destination destination, SmtpLoad load, int messages, Arrivals arrivals) throws Exception {
        destination.reset(arrivals);
        long start = System.nanoTime();
        load.run(jamesPort, messages, arrivals);
        if (!destination.await(messages, 600)) {
            throw new IllegalStateException("only " + destination.arrived() + " of " + messages + " messages arrived");
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    static int freePort() throws IOException {
        return Daemons.freePort();
    }

    /** Postfix's smtp-sink on a free loopback port, discarding what it receives. */
    static final class SmtpSink implements AutoCloseable {
        private final Process process;
        private final int port;

        private SmtpSink(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static SmtpSink start() throws Exception {
            int port = freePort();
            Process sink = new ProcessBuilder("smtp-sink", "-u", "nobody", "127.0.0.1:" + port, "1024")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int i = 0; i < 200; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return new SmtpSink(sink, port);
                } catch (IOException notYet) {
                    Thread.sleep(25);
                }
            }
            sink.destroy();
            throw new IllegalStateException("smtp-sink did not start on " + port);
        }

        int port() {
            return port;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
