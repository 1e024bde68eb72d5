package org.remoteforward.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one benchmark run measures and how much: the full run that makes the published figures,
 * or the smoke run CI makes so that the benchmark cannot rot (every group, one run each, few
 * messages; no figure is checked).
 *
 * @param groups the groups to run: P1 to P4, S for the scale curves
 * @param runs runs per figure; the median is reported
 * @param p1Messages messages per P1 run (per session count)
 * @param p1WarmUp messages of each warm-up batch of the sender alone
 * @param warmUpSeconds at most this long of warm-up batches before each group is timed, until the JIT has settled
 *     ({@link Benchmark#warmUp})
 * @param p2WarmUpSeconds as {@code warmUpSeconds}, for P2's Jameses, warmed up in turns: James's code takes minutes of
 *     load to be compiled on two cores
 * @param p2Messages messages per P2 run
 * @param p2WarmUp messages of each warm-up batch through a James
 * @param latencyMessages messages of each paced latency run (fewer when half the rate would take long)
 * @param p3Sizes P3's message sizes in bytes
 * @param p4Messages messages per P4 run
 * @param sizeCurve message sizes of the size curve, bytes
 * @param sizeCurveBytes bytes sent at each point of the size curve
 * @param recipientCurve recipients per message of the recipient curve
 * @param recipientCurveRecipients recipients sent at each point of the recipient curve
 * @param sessionCurve concurrent client sessions of the synchronous-mode curve
 * @param sessionCurveMessages messages at each point of the session curve (at least 4 per session)
 */
record Plan(Set<String> groups, int runs, int p1Messages, int p1WarmUp, int warmUpSeconds, int p2WarmUpSeconds, int p2Messages, int p2WarmUp, int latencyMessages,
            List<Long> p3Sizes, int p4Messages, List<Integer> sizeCurve, long sizeCurveBytes, List<Integer> recipientCurve,
            int recipientCurveRecipients, List<Integer> sessionCurve, int sessionCurveMessages) {
    static final String ALL_GROUPS = "P1,P2,P3,P4,S";

    /** The published run. */
    static Plan full(Set<String> groups) {
        return new Plan(groups, 3, 20_000, 10_000, 40, 420, 10_000, 1000, 3000, List.of(100L << 20, 1L << 30), 2000,
            List.of(1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 10 << 20), 200L << 20,
            List.of(1, 10, 100, 1000), 100_000, List.of(1, 10, 50, 100, 250, 500), 4000);
    }

    /** CI's: everything runs once, on a few messages. */
    static Plan smoke(Set<String> groups) {
        return new Plan(groups, 1, 200, 200, 0, 0, 60, 20, 40, List.of(8L << 20), 40,
            List.of(1 << 10, 1 << 20), 4L << 20, List.of(1, 10), 100, List.of(1, 10), 40);
    }

    /** From {@code bench.groups} (default all) and {@code bench.smoke}. */
    static Plan fromSystemProperties() {
        Set<String> groups = Arrays.stream(System.getProperty("bench.groups", ALL_GROUPS).toUpperCase(Locale.ROOT).split(","))
            .map(String::trim).filter(g -> !g.isEmpty()).collect(Collectors.toSet());
        return Boolean.getBoolean("bench.smoke") ? smoke(groups) : full(groups);
    }

    boolean runs(String group) {
        return groups.contains(group);
    }
}
