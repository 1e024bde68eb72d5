package org.remoteforward.bench;

import java.lang.management.ManagementFactory;

import com.sun.management.OperatingSystemMXBean;

/**
 * Runs P1's "sender, pool + pipelining" (10 sessions unless a third argument says otherwise) alone against an smtp-sink already
 * listening on the given port, long enough to profile (e.g. with -XX:StartFlightRecording).
 */
public final class ProfileSender {
    private ProfileSender() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int sessions = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Benchmark.senderRate(port, sessions, Math.min(messages, 5000), true, true);   // warm the JIT up
        // the process's CPU time, all threads, kernel included: what a message costs, not only how fast it went
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        double rate = Benchmark.senderRate(port, sessions, messages, true, true);
        System.out.printf("%.0f messages/s, %.1f µs of this process's CPU a message%n", rate, (os.getProcessCpuTime() - cpuBefore) / 1000.0 / messages);
    }
}
