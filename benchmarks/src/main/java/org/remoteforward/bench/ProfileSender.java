package org.remoteforward.bench;

/**
 * Runs P1's "sender, 10 sessions, pool + pipelining" alone against an smtp-sink already
 * listening on the given port, long enough to profile (e.g. with -XX:StartFlightRecording).
 */
public final class ProfileSender {
    private ProfileSender() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        System.out.printf("%.0f messages/s%n", Benchmark.senderRate(port, 10, messages, true, true));
    }
}
