package org.remoteforward.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.remoteforward.it.ForwardingJames;
import org.remoteforward.it.RabbitMqBroker;

/**
 * Runs one P2 path alone, long enough to profile (e.g. with -XX:StartFlightRecording, or by
 * reading each thread's CPU time): a James with RemoteForwardMailet ({@code default}, {@code inline idle};
 * {@code queue}, {@code inline no}; {@code inline}, {@code inline yes}), the synchronous hooks ({@code synchronous}), a mailet that
 * only counts ({@code ceiling}) or RemoteDelivery ({@code remotedelivery}), or the mailet and the ceiling on a private RabbitMQ
 * broker's queue ({@code rabbitmq}, {@code rabbitmq-queue}, {@code rabbitmq-inline}, {@code rabbitmq-ceiling}), forwarding to a counting sink, fed by P2's SMTP clients
 * for the given number of messages (optionally that many batches of them, one after another). Prints the rate, and the CPU time each group of threads spent per
 * message while it was measured.
 */
public final class ProfileJames {
    private ProfileJames() {
    }

    public static void main(String[] args) throws Exception {
        String path = args.length > 0 ? args[0] : "default";
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        // batches one after another show whether the JIT has settled: while it compiles, the rate climbs batch by batch
        int batches = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        JamesPaths paths = new JamesPaths(Plan.full(Set.of("P2")), new Report(Plan.full(Set.of("P2"))));
        Path work = Files.createTempDirectory("profile-james-");
        boolean onRabbitMq = path.startsWith("rabbitmq");
        try (CountingSink sink = new CountingSink();
             RabbitMqBroker broker = onRabbitMq ? RabbitMqBroker.start(work.resolve("broker")) : null) {
            Map<String, String> forward = Benchmark.mailetForwardingTo(sink);
            ForwardingJames.Options options = switch (path) {
                case "inline" -> ForwardingJames.Options.forwarding(JamesPaths.inline(forward, "yes"), ForwardingJames.Options.KEEP_FAILURES);
                case "queue" -> ForwardingJames.Options.forwarding(JamesPaths.inline(forward, "no"), ForwardingJames.Options.KEEP_FAILURES);
                case "synchronous" -> ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
                    .forwardingSynchronously(Benchmark.forwardTo(sink));
                case "ceiling" -> paths.ceiling(sink);
                case "remotedelivery" -> paths.remoteDelivery(sink);
                case "rabbitmq" -> JamesPaths.onBroker(ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES), work, "", broker);
                case "rabbitmq-queue" -> JamesPaths.onBroker(
                    ForwardingJames.Options.forwarding(JamesPaths.inline(forward, "no"), ForwardingJames.Options.KEEP_FAILURES), work, "", broker);
                case "rabbitmq-inline" -> JamesPaths.onBroker(
                    ForwardingJames.Options.forwarding(JamesPaths.inline(forward, "yes"), ForwardingJames.Options.KEEP_FAILURES), work, "", broker);
                case "rabbitmq-ceiling" -> JamesPaths.onBroker(paths.ceiling(sink), work, "", broker);
                default -> ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES);
            };
            Destination counted = path.endsWith("ceiling") ? CountingMailet.PROCESSED_HERE : sink;
            try (ForwardingJames james = ForwardingJames.start(options)) {
                Benchmark.warmUp(() -> Benchmark.jamesRate(james.smtpPort(), counted, SmtpLoad.closed(Benchmark.P2_CLIENTS), 1000), 40);
                for (int batch = 1; batch <= batches; batch++) {
                    System.out.println("measuring, batch " + batch + " of " + batches);
                    ThreadCpu cpu = ThreadCpu.start();
                    long brokerAtStart = onRabbitMq ? broker.cpuTime().toNanos() : 0;
                    System.out.printf("%s: %.0f messages/s%n", path,
                        Benchmark.jamesRate(james.smtpPort(), counted, SmtpLoad.closed(Benchmark.P2_CLIENTS), messages));
                    printCpu(cpu, messages);
                    if (onRabbitMq) {
                        System.out.printf("%8.0f µs  the broker's processes%n", (broker.cpuTime().toNanos() - brokerAtStart) / 1e3 / messages);
                    }
                }
            }
        } finally {
            paths.removeScratch();
            JamesPaths.delete(work);
        }
        System.exit(0);
    }

    /** Each thread group's CPU per message, largest first, down to 5 µs: where the path's time goes. */
    private static void printCpu(ThreadCpu cpu, int messages) {
        Map<String, Long> byGroup = cpu.sinceStart();
        System.out.printf("CPU per message: %.0f µs in all threads listed by the JVM (JIT compilers: %d ms in all; %d classes loaded)%n",
            ThreadCpu.total(byGroup) / 1e3 / messages, cpu.jit(), cpu.classesLoaded());
        ThreadCpu.perMessage(byGroup, messages).forEach(group -> System.out.println("  " + group + " µs"));
    }
}
