package org.remoteforward.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.remoteforward.it.ForwardingJames;

/**
 * Runs one P2 path alone, long enough to profile (e.g. with -XX:StartFlightRecording, or by
 * reading each thread's CPU time): a James with RemoteForwardMailet ({@code queue}, its default;
 * {@code inline}), the synchronous hooks ({@code synchronous}), a mailet that only counts ({@code ceiling}) or
 * RemoteDelivery ({@code remotedelivery}), forwarding to a counting sink, fed by P2's SMTP clients
 * for the given number of messages. Prints the rate.
 */
public final class ProfileJames {
    private ProfileJames() {
    }

    public static void main(String[] args) throws Exception {
        String path = args.length > 0 ? args[0] : "queue";
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        JamesPaths paths = new JamesPaths(Plan.full(Set.of("P2")), new Report(Plan.full(Set.of("P2"))));
        try (CountingSink sink = new CountingSink()) {
            Map<String, String> forward = new HashMap<>(Benchmark.mailetForwardingTo(sink));
            ForwardingJames.Options options = switch (path) {
                case "inline" -> {
                    forward.put("inline", "yes");
                    yield ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES);
                }
                case "synchronous" -> ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
                    .forwardingSynchronously(Benchmark.forwardTo(sink));
                case "ceiling" -> paths.ceiling(sink);
                case "remotedelivery" -> paths.remoteDelivery(sink);
                default -> ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES);
            };
            Destination counted = path.equals("ceiling") ? CountingMailet.PROCESSED_HERE : sink;
            try (ForwardingJames james = ForwardingJames.start(options)) {
                Benchmark.warmUp(() -> Benchmark.jamesRate(james.smtpPort(), counted, SmtpLoad.closed(Benchmark.P2_CLIENTS), 1000), 40);
                System.out.println("measuring");
                System.out.printf("%s: %.0f messages/s%n", path,
                    Benchmark.jamesRate(james.smtpPort(), counted, SmtpLoad.closed(Benchmark.P2_CLIENTS), messages));
            }
        } finally {
            paths.removeScratch();
        }
        System.exit(0);
    }
}
