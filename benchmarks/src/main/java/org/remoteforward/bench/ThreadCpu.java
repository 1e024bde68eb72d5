package org.remoteforward.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * CPU time spent by each group of this JVM's threads between two readings, groups named as the
 * threads are with their numbers taken out ({@code remote-forward-delivery-3} and {@code -7} are
 * one group). What {@code ProfileJames} prints per message: which of James's threads and ours a
 * path costs. A thread that ends between the readings is not counted, one that starts is counted
 * from its start; threads the JVM itself runs and does not list (the JIT's compilers, the GC) are
 * not counted, though the compilers' time is told apart through {@link #jit}.
 */
final class ThreadCpu {
    private static final Pattern NUMBERS = Pattern.compile("[-#_ ]?\\d+");
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startNanos;
    private final long jitMillisAtStart;
    private final long classesAtStart;

    private ThreadCpu(Map<Long, Long> startNanos, long jitMillisAtStart, long classesAtStart) {
        this.startNanos = startNanos;
        this.jitMillisAtStart = jitMillisAtStart;
        this.classesAtStart = classesAtStart;
    }

    /** Reads every live thread's CPU time now. */
    static ThreadCpu start() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.setThreadCpuTimeEnabled(true);
        Map<Long, Long> start = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                start.put(id, cpu);
            }
        }
        return new ThreadCpu(start, jitMillis(), ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
    }

    /** CPU nanoseconds per thread group since {@link #start()}, by group name. */
    Map<String, Long> sinceStart() {
        Map<String, Long> byGroup = new TreeMap<>();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            ThreadInfo info = threads.getThreadInfo(id);
            if (cpu < 0 || info == null) {
                continue;
            }
            byGroup.merge(group(info.getThreadName()), cpu - startNanos.getOrDefault(id, 0L), Long::sum);
        }
        return byGroup;
    }

    /** Milliseconds the JIT compilers spent since {@link #start()}: they take a core from James while they run. */
    long jit() {
        return jitMillis() - jitMillisAtStart;
    }

    /** Classes loaded since {@link #start()}: each new one is more for the JIT to compile. */
    long classesLoaded() {
        return ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classesAtStart;
    }

    /** "group µs" for each group that spent 5 µs or more a message, largest first. */
    static List<String> perMessage(Map<String, Long> nanosByGroup, long messages) {
        return nanosByGroup.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .filter(group -> group.getValue() / 1e3 / messages >= 5)
            .map(group -> String.format("%s %.0f", group.getKey(), group.getValue() / 1e3 / messages))
            .toList();
    }

    static long total(Map<String, Long> nanosByGroup) {
        return nanosByGroup.values().stream().mapToLong(Long::longValue).sum();
    }

    static String group(String threadName) {
        return NUMBERS.matcher(threadName).replaceAll("");
    }

    private static long jitMillis() {
        var compilation = ManagementFactory.getCompilationMXBean();
        return compilation != null && compilation.isCompilationTimeMonitoringSupported() ? compilation.getTotalCompilationTime() : 0;
    }
}
