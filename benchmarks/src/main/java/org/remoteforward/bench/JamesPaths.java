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
 * P2: one real James 3.8.1 per forwarding path, each fed by the same SMTP clients and forwarding
 * to the same counting sink: RemoteForwardMailet with its defaults (the outgoing queue), with
 * {@code inline}, the synchronous hooks, James's RemoteDelivery in gateway mode, and a mailet
 * that only counts ({@link CountingMailet}), which forwards nothing: James's own ceiling. Then each forwarding path's latency at half
 * the rate it reached, and the mailet and the ceiling again on James's RabbitMQ queue.
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
            Map<String, String> inline = new HashMap<>(forward);
            inline.put("inline", "yes");
            String clients = Benchmark.P2_CLIENTS + " SMTP clients, ";
            Role ours = Role.ours(CEILING, REMOTE_DELIVERY);
            path(sink, "James 3.8.1 + RemoteForwardMailet", ours, clients + Benchmark.P2_DELIVERY_THREADS + " delivery threads (defaults: outgoing queue)",
                ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES), true);
            path(sink, "James 3.8.1 + RemoteForwardMailet, inline", ours, clients + "first attempt in service(): no second queue",
                ForwardingJames.Options.forwarding(inline, ForwardingJames.Options.KEEP_FAILURES), true);
            path(sink, "James 3.8.1 + synchronous forwarding (SMTP hooks)", ours, clients + "forwarded during each SMTP transaction: no queue",
                ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(Benchmark.forwardTo(sink)), true);
            path(CountingMailet.PROCESSED_HERE, CEILING, Role.anchor("James's ceiling"),
                clients + "receive, spool, process: nothing forwarded", ceiling(sink), false);
            path(sink, REMOTE_DELIVERY, Role.anchor("RemoteDelivery", CEILING), clients + Benchmark.P2_DELIVERY_THREADS + " delivery threads",
                remoteDelivery(sink), true);
            onRabbitMq(sink, forward);
        }
    }

    /** One James: warmed up, its rate measured, then (for a forwarding path) its latency at half that rate. */
    private void path(Destination sink, String scenario, Role role, String note, ForwardingJames.Options options, boolean latency)
        throws Exception {
        try (ForwardingJames james = ForwardingJames.start(options)) {
            SmtpLoad load = SmtpLoad.closed(Benchmark.P2_CLIENTS);
            Benchmark.warmUp(() -> Benchmark.jamesRate(james.smtpPort(), sink, load, plan.p2WarmUp()), plan.warmUpSeconds());
            Benchmark.Rounds rounds = new Benchmark.Rounds("P2", plan.runs());
            rounds.add(scenario, role, note, () -> Benchmark.jamesRate(james.smtpPort(), sink, load, plan.p2Messages()));
            Measurement measured = rounds.run().get(0);
            report.rate(measured);
            if (latency) {
                double rate = measured.median() / 2;
                // about ten seconds of load, no more than the plan's count
                int messages = (int) Math.max(20, Math.min(plan.latencyMessages(), rate * 10));
                Arrivals arrivals = new Arrivals(messages);
                Benchmark.jamesRate(james.smtpPort(), sink, load.paced(rate), messages, arrivals);
                report.latency(scenario.replace("James 3.8.1 + ", ""), rate, arrivals.latenciesMillis(), messages);
            }
        }
    }

    /** The mailet and James's ceiling again, on distributed James's mail queue: a private RabbitMQ broker, one James. */
    private void onRabbitMq(CountingSink sink, Map<String, String> forward) throws Exception {
        if (!RabbitMqBroker.installed()) {
            System.out.println("P2 on RabbitMQ skipped: rabbitmq-server is not installed (apt-get install rabbitmq-server)");
            return;
        }
        Path work = Files.createTempDirectory("bench-rabbitmq-");
        scratch.add(work);
        try (RabbitMqBroker broker = RabbitMqBroker.start(work.resolve("broker"))) {
            path(sink, "James 3.8.1 + RemoteForwardMailet, RabbitMQ queue", Role.ours(RABBITMQ_CEILING), "one node; spool and outgoing queue on a local broker, blobs in a folder",
                ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
                    .in(work.resolve("james"), new RabbitMqMailQueue(broker, work.resolve("blobs"))), true);
            path(CountingMailet.PROCESSED_HERE, RABBITMQ_CEILING, Role.anchor("the ceiling on RabbitMQ"),
                "receive, spool on the broker, process: nothing forwarded", ceiling(sink).in(work.resolve("null-james"),
                    new RabbitMqMailQueue(broker, work.resolve("null-blobs"))), false);
        }
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
