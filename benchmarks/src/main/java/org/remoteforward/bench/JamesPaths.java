package org.remoteforward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;

import org.remoteforward.it.ForwardingJames;
import org.remoteforward.it.JamesConfFolder;
import org.remoteforward.it.RabbitMqBroker;
import org.remoteforward.it.RabbitMqMailQueue;

/**
 * P2: one real James 3.8.1 per forwarding path, all running at once and measured in turns
 * ({@link #inTurns}), each fed by the same SMTP clients and forwarding
 * to the same counting sink: RemoteForwardMailet with its defaults ({@code inline idle}), with
 * {@code inline no} (the outgoing queue for every mail) and {@code inline yes}, the synchronous hooks, James's RemoteDelivery in gateway mode, and a mailet
 * that only counts ({@link CountingMailet}), which forwards nothing: James's own ceiling. Then each forwarding path's latency at half
 * the rate it reached, and the mailet (the same three ways) and the ceiling again on James's RabbitMQ queue.
 */
final class JamesPaths {
    private final Plan plan;
    private final Report report;
    /** Configuration folders made here, removed at the end. */
    private final List<Path> scratch = new ArrayList<>();

    JamesPaths(Plan plan, Report report) {
        this.plan = plan;
        this.report = report;
    }

    void run() throws Exception {
        try {
            runPaths();
        } finally {
            removeScratch();
        }
    }

    /** Removes the configuration folders made so far. */
    void removeScratch() throws IOException {
        for (Path dir : scratch) {
            delete(dir);
        }
        scratch.clear();
    }

    static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static final String CEILING = "James 3.8.1, a mailet that only counts (James's own ceiling)";
    private static final String REMOTE_DELIVERY = "James 3.8.1 + RemoteDelivery (gateway)";
    private static final String RABBITMQ_CEILING = "James 3.8.1, a mailet that only counts, RabbitMQ queue (ceiling there)";

    private void runPaths() throws Exception {
        try (CountingSink sink = new CountingSink()) {
            Map<String, String> forward = Benchmark.mailetForwardingTo(sink);
            String clients = Benchmark.P2_CLIENTS + " SMTP clients, ";
            Role ours = Role.ours(CEILING, REMOTE_DELIVERY);
            inTurns(List.of(
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet", ours,
                    clients + "defaults (inline idle): the first attempt in service() on an idle session, on half the spool threads at most;"
                        + " queued otherwise, " + Benchmark.P2_DELIVERY_THREADS + " delivery threads",
                    ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES), true),
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet, inline no", ours,
                    clients + "every mail through the outgoing queue, " + Benchmark.P2_DELIVERY_THREADS + " delivery threads",
                    ForwardingJames.Options.forwarding(inline(forward, "no"), ForwardingJames.Options.KEEP_FAILURES), true),
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet, inline yes", ours, clients + "every first attempt in service(): no second queue",
                    ForwardingJames.Options.forwarding(inline(forward, "yes"), ForwardingJames.Options.KEEP_FAILURES), true),
                new JamesPath(sink, "James 3.8.1 + synchronous forwarding (SMTP hooks)", ours, clients + "forwarded during each SMTP transaction: no queue",
                    ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(Benchmark.forwardTo(sink)), true),
                new JamesPath(CountingMailet.PROCESSED_HERE, CEILING, Role.anchor("James's ceiling"),
                    clients + "receive, spool, process: nothing forwarded", ceiling(sink), false),
                new JamesPath(sink, REMOTE_DELIVERY, Role.anchor("RemoteDelivery", CEILING), clients + Benchmark.P2_DELIVERY_THREADS + " delivery threads",
                    remoteDelivery(sink), true)));
            onRabbitMq(sink, forward);
        }
    }

    /**
     * One James per path, the SMTP clients it is fed by and where what it forwards is counted.
     *
     * @param latency whether its latency at half its rate is measured too (for a path that forwards)
     */
    private record JamesPath(Destination sink, String scenario, Role role, String note, ForwardingJames.Options options, boolean latency) {
    }

    /**
     * The paths' Jameses, all started at once, warmed up and measured in turns: one batch of each,
     * then the next. They share this JVM's compiled code, and James's own code takes minutes of
     * load to be compiled on two cores (its compilers busy the whole time, the rates climbing
     * threefold meanwhile), so paths measured one after another would each be measured at a
     * different stage of that, the last ones favoured. Then each forwarding path's latency at half
     * the rate it reached.
     */
    private void inTurns(List<JamesPath> paths) throws Exception {
        List<ForwardingJames> started = new ArrayList<>();
        try {
            for (JamesPath path : paths) {
                started.add(ForwardingJames.start(path.options()));
            }
            SmtpLoad load = SmtpLoad.closed(Benchmark.P2_CLIENTS);
            Benchmark.warmUp(() -> {
                for (int i = 0; i < paths.size(); i++) {
                    Benchmark.jamesRate(started.get(i).smtpPort(), paths.get(i).sink(), load, plan.p2WarmUp());
                }
                return 0;
            }, plan.p2WarmUpSeconds());
            Benchmark.Rounds rounds = new Benchmark.Rounds("P2", plan.runs());
            List<Map<String, Long>> cpu = new ArrayList<>();
            for (int i = 0; i < paths.size(); i++) {
                JamesPath path = paths.get(i);
                int smtpPort = started.get(i).smtpPort();
                Map<String, Long> cpuOfPath = new HashMap<>();
                cpu.add(cpuOfPath);
                rounds.add(path.scenario(), path.role(), path.note(), () -> {
                    // only this path's James is loaded meanwhile: the others' threads sit idle
                    ThreadCpu threads = ThreadCpu.start();
                    double rate = Benchmark.jamesRate(smtpPort, path.sink(), load, plan.p2Messages());
                    threads.sinceStart().forEach((group, nanos) -> cpuOfPath.merge(group, nanos, Long::sum));
                    return rate;
                });
            }
            List<Measurement> measured = rounds.run();
            for (int i = 0; i < paths.size(); i++) {
                report.rate(measured.get(i));
                report.threadCpu(paths.get(i).scenario().replace("James 3.8.1 + ", ""), cpu.get(i), (long) plan.p2Messages() * plan.runs());
                if (paths.get(i).latency()) {
                    latency(started.get(i), paths.get(i), measured.get(i).median() / 2, load);
                }
            }
        } finally {
            for (ForwardingJames james : started) {
                james.close();
            }
        }
    }

    /** About ten seconds of load paced at {@code rate}, no more than the plan's count: each message's time from its client to the sink. */
    private void latency(ForwardingJames james, JamesPath path, double rate, SmtpLoad load) throws Exception {
        int messages = (int) Math.max(20, Math.min(plan.latencyMessages(), rate * 10));
        Arrivals arrivals = new Arrivals(messages);
        Benchmark.jamesRate(james.smtpPort(), path.sink(), load.paced(rate), messages, arrivals);
        report.latency(path.scenario().replace("James 3.8.1 + ", ""), rate, arrivals.latenciesMillis(), messages);
    }

    /**
     * The mailet (defaults, inline no, inline yes) and James's ceiling again, on distributed James's mail queue: a private RabbitMQ
     * broker for each James, since James names its queues the same on every node (two on one
     * broker would take each other's spooled mails, whose blobs are in the other's folder).
     */
    private void onRabbitMq(CountingSink sink, Map<String, String> forward) throws Exception {
        if (!RabbitMqBroker.installed()) {
            System.out.println("P2 on RabbitMQ skipped: rabbitmq-server is not installed (apt-get install rabbitmq-server)");
            return;
        }
        Path work = Files.createTempDirectory("bench-rabbitmq-");
        scratch.add(work);
        try (RabbitMqBroker ours = RabbitMqBroker.start(work.resolve("broker"));
             RabbitMqBroker oursQueued = RabbitMqBroker.start(work.resolve("queued-broker"));
             RabbitMqBroker oursInline = RabbitMqBroker.start(work.resolve("inline-broker"));
             RabbitMqBroker ceilings = RabbitMqBroker.start(work.resolve("ceiling-broker"))) {
            inTurns(List.of(
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet, RabbitMQ queue", Role.ours(RABBITMQ_CEILING),
                    "one node, defaults (inline idle); spool and outgoing queue on a local broker, blobs in a folder",
                    onBroker(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES), work, "", ours), true),
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet, inline no, RabbitMQ queue", Role.ours(RABBITMQ_CEILING),
                    "one node; every mail through the spool and then the outgoing queue: the broker crossed twice",
                    onBroker(ForwardingJames.Options.forwarding(inline(forward, "no"), ForwardingJames.Options.KEEP_FAILURES), work, "queued-",
                        oursQueued), true),
                new JamesPath(sink, "James 3.8.1 + RemoteForwardMailet, inline yes, RabbitMQ queue", Role.ours(RABBITMQ_CEILING),
                    "one node; every first attempt in service(): the broker crossed once",
                    onBroker(ForwardingJames.Options.forwarding(inline(forward, "yes"), ForwardingJames.Options.KEEP_FAILURES), work, "inline-",
                        oursInline), true),
                new JamesPath(CountingMailet.PROCESSED_HERE, RABBITMQ_CEILING, Role.anchor("the ceiling on RabbitMQ"),
                    "receive, spool on the broker, process: nothing forwarded", onBroker(ceiling(sink), work, "null-", ceilings), false)));
        }
    }

    /** {@code options} with James's queues on {@code broker}: its folders in {@code work}, named with {@code prefix}. */
    static ForwardingJames.Options onBroker(ForwardingJames.Options options, Path work, String prefix, RabbitMqBroker broker) {
        return options.in(work.resolve(prefix + "james"), new RabbitMqMailQueue(broker, work.resolve(prefix + "blobs")));
    }

    /** The mailet's parameters {@code forward} with {@code inline} set to {@code mode}. */
    static Map<String, String> inline(Map<String, String> forward, String mode) {
        Map<String, String> inline = new HashMap<>(forward);
        inline.put("inline", mode);
        return inline;
    }

    /** James with a mailet that only counts where RemoteForwardMailet would be: it receives, spools and processes, and forwards nothing. */
    ForwardingJames.Options ceiling(CountingSink sink) throws IOException {
        return withMailet(sink, "<mailet match=\"All\" class=\"" + CountingMailet.class.getName() + "\"/>");
    }

    /** James with RemoteDelivery in gateway mode to the sink. */
    ForwardingJames.Options remoteDelivery(CountingSink sink) throws IOException {
        return withMailet(sink, remoteDeliveryMailet(sink.port()));
    }

    private static String remoteDeliveryMailet(int sinkPort) {
        return "<mailet match=\"All\" class=\"RemoteDelivery\">\n"
                + "        <outgoingQueue>outgoing</outgoingQueue>\n"
                + "        <delayTime>5000, 100000, 500000</delayTime>\n"
                + "        <maxRetries>3</maxRetries>\n"
                + "        <maxDnsProblemRetries>0</maxDnsProblemRetries>\n"
                + "        <deliveryThreads>" + Benchmark.P2_DELIVERY_THREADS + "</deliveryThreads>\n"
                + "        <sendpartial>true</sendpartial>\n"
                + "        <bounceProcessor>error</bounceProcessor>\n"
                + "        <gateway>127.0.0.1</gateway>\n"
                + "        <gatewayPort>" + sinkPort + "</gatewayPort>\n"
                + "      </mailet>";
    }

    /** The same James as ours, its forward processor holding {@code mailet} instead of RemoteForwardMailet. */
    private ForwardingJames.Options withMailet(CountingSink sink, String mailet) throws IOException {
        int smtpPort = Benchmark.freePort();
        Path work = Files.createTempDirectory("compared-james-");
        scratch.add(work);
        Path conf = JamesConfFolder.write(work, smtpPort, Map.of("targets", "tcp://127.0.0.1:" + sink.port()), ForwardingJames.Options.KEEP_FAILURES);
        Path mailetcontainer = conf.resolve("mailetcontainer.xml");
        String xml = Files.readString(mailetcontainer).replaceAll(
            "(?s)<mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">.*?</mailet>", mailet);
        Files.writeString(mailetcontainer, xml);
        return ForwardingJames.Options.ofConf(conf, smtpPort);
    }
}
