package org.remoteforward.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.remoteforward.it.ForwardingJames;
import org.remoteforward.sender.Protocol;

/**
 * S, the scale curves, each a chart: the sender against smtp-source over message size (MB/s)
 * and over recipients per message (messages/s, time per recipient), both into smtp-sink at 10
 * sessions; and a James with the synchronous hooks over concurrent client sessions (messages/s,
 * James's threads, heap), loaded by smtp-source.
 */
final class ScaleCurves {
    private static final int SESSIONS = 10;

    private final Plan plan;
    private final Report report;

    ScaleCurves(Plan plan, Report report) {
        this.plan = plan;
        this.report = report;
    }

    void run() throws Exception {
        try (Benchmark.SmtpSink sink = Benchmark.SmtpSink.start()) {
            Benchmark.warmUp(() -> Benchmark.senderRate(sink.port(), SESSIONS, plan.p1WarmUp(), true, true), plan.warmUpSeconds());
            sizes(sink.port());
            recipients(sink.port());
        }
        sessions();
    }

    private void sizes(int port) throws Exception {
        Curve.Series sender = new Curve.Series("sender, pool + pipelining");
        Curve.Series source = new Curve.Series("smtp-source -d");
        Benchmark.SenderLoad load = new Benchmark.SenderLoad(Protocol.SMTP, port, SESSIONS, true, true, false);
        for (int size : plan.sizeCurve()) {
            int messages = (int) Math.max(2 * SESSIONS, Math.min(20_000, plan.sizeCurveBytes() / size));
            List<Measurement> measured = senderAndSmtpSource(() -> load.rate(messages, List.of("b@example.com"), Benchmark.message(size)),
                SmtpSource.of(SESSIONS, messages).size(size), port);
            sender.add(size / 1024.0, measured.get(0).median() * size / 1e6);
            source.add(size / 1024.0, measured.get(1).median() * size / 1e6);
        }
        report.curve(new Curve("size", "message size, " + SESSIONS + " sessions into smtp-sink", "message size (KiB)", 2, "MB/s",
            false, List.of(sender, source)), "%.0f", "%.1f");
    }

    private void recipients(int port) throws Exception {
        Curve.Series sender = new Curve.Series("sender, pool + pipelining");
        Curve.Series source = new Curve.Series("smtp-source -d");
        Curve.Series senderPerRecipient = new Curve.Series("sender, pool + pipelining");
        Curve.Series sourcePerRecipient = new Curve.Series("smtp-source -d");
        Benchmark.SenderLoad load = new Benchmark.SenderLoad(Protocol.SMTP, port, SESSIONS, true, true, false);
        for (int count : plan.recipientCurve()) {
            int messages = Math.max(2 * SESSIONS, plan.recipientCurveRecipients() / count);
            List<String> recipients = IntStream.range(0, count).mapToObj(i -> "r" + i + "@example.com").toList();
            List<Measurement> measured = senderAndSmtpSource(() -> load.rate(messages, recipients, Benchmark.message(Benchmark.MESSAGE_SIZE)),
                SmtpSource.of(SESSIONS, messages).recipients(count), port);
            double ours = measured.get(0).median();
            double theirs = measured.get(1).median();
            sender.add(count, ours);
            source.add(count, theirs);
            senderPerRecipient.add(count, 1e6 / (ours * count));
            sourcePerRecipient.add(count, 1e6 / (theirs * count));
        }
        report.curve(new Curve("recipients", "recipients per message, " + SESSIONS + " sessions into smtp-sink", "recipients per message",
            10, "messages/s", true, List.of(sender, source)), "%.0f", "%.0f");
        report.curve(new Curve("recipients-time", "time per recipient, " + SESSIONS + " sessions into smtp-sink", "recipients per message",
            10, "µs per recipient", true, List.of(senderPerRecipient, sourcePerRecipient)), "%.0f", "%.1f");
    }

    /** The sender's and smtp-source's messages per second at one point of a curve, taking turns run by run; in that order. */
    private List<Measurement> senderAndSmtpSource(Benchmark.Run sender, SmtpSource source, int port) throws Exception {
        Benchmark.Rounds rounds = new Benchmark.Rounds("S", plan.runs());
        rounds.add("sender", "", sender);
        rounds.add("smtp-source", "", () -> source.rate(port));
        return rounds.run();
    }

    /** A James with the synchronous hooks, loaded by smtp-source with more and more sessions. */
    private void sessions() throws Exception {
        Curve.Series rate = new Curve.Series("messages/s");
        Curve.Series threads = new Curve.Series("James's threads (peak)");
        Curve.Series heap = new Curve.Series("heap used, MiB (peak)");
        try (CountingSink sink = new CountingSink()) {
            // each client transaction holds a downstream session for its length: as many as the most clients measured, else
            // the hooks would answer 451 4.4.5 (downstream busy) past maxConnections (10 by default) after connectionWaitTimeout
            Map<String, String> hooks = new HashMap<>(Benchmark.forwardTo(sink));
            hooks.put("maxConnections", Integer.toString(plan.sessionCurve().stream().mapToInt(Integer::intValue).max().orElse(10) + 10));
            sessionsInto(sink, ForwardingJames.Options.forwarding(Benchmark.mailetForwardingTo(sink), ForwardingJames.Options.KEEP_FAILURES)
                .forwardingSynchronously(hooks), rate, threads, heap);
        }
        report.curve(new Curve("sessions", "synchronous forwarding, concurrent client sessions (smtp-source -s N -d)", "client sessions",
            10, "messages/s", false, List.of(rate)), "%.0f", "%.0f");
        report.curve(new Curve("sessions-resources", "synchronous forwarding, James's threads and heap by client sessions", "client sessions",
            10, "threads; MiB", false, List.of(threads, heap)), "%.0f", "%.0f");
    }

    private void sessionsInto(CountingSink sink, ForwardingJames.Options options, Curve.Series rate, Curve.Series threads, Curve.Series heap)
        throws Exception {
        try (ForwardingJames james = ForwardingJames.start(options)) {
            Benchmark.warmUp(() -> Benchmark.jamesRate(james.smtpPort(), sink, SmtpLoad.closed(Benchmark.P2_CLIENTS), plan.p2WarmUp()),
                plan.warmUpSeconds());
            for (int sessions : plan.sessionCurve()) {
                int messages = Math.max(4 * sessions, plan.sessionCurveMessages());
                List<Double> rates = new ArrayList<>();
                Usage usage = new Usage();
                for (int run = 0; run < plan.runs(); run++) {
                    sink.reset();
                    usage.start();
                    long start = System.nanoTime();
                    Optional<String> failed = SmtpSource.of(sessions, messages).run(james.smtpPort());
                    if (failed.isPresent() || !sink.await(messages, 60)) {
                        // a point that fails is reported, not the whole run lost
                        String why = sink.arrived() + " of " + messages + " arrived; smtp-source: "
                            + failed.orElse("").lines().limit(3).reduce((a, b) -> a + " / " + b).orElse("");
                        report.note("synchronous forwarding at " + sessions + " sessions failed: " + why);
                        usage.stop();
                        rates.clear();
                        break;
                    }
                    rates.add(messages / ((System.nanoTime() - start) / 1e9));
                    usage.stop();
                }
                if (rates.isEmpty()) {
                    continue;
                }
                rate.add(sessions, Measurement.median(rates));
                threads.add(sessions, usage.threads.get());
                heap.add(sessions, usage.heapBytes.get() / (double) (1 << 20));
            }
        }
    }

    /**
     * Peaks sampled every 20 ms while a load runs: the JVM's threads less the counting sink's
     * (James, its hooks and their sender are what is left: the clients are another process), and
     * heap in use.
     */
    private static final class Usage {
        final AtomicLong threads = new AtomicLong();
        final AtomicLong heapBytes = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean();
        private Thread sampler;

        void start() {
            running.set(true);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            sampler = new Thread(() -> {
                while (running.get()) {
                    long sinkThreads = 0;
                    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                        if (info != null && info.getThreadName().startsWith("counting-sink")) {
                            sinkThreads++;
                        }
                    }
                    // the benchmark's own threads (main, this sampler) are a handful and constant: left in
                    threads.accumulateAndGet(mx.getThreadCount() - sinkThreads, Math::max);
                    heapBytes.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "usage-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }
}
