package org.remoteforward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What one run measured, as it is published: the throughput table and a bar chart per group,
 * the latency table, P3's large messages, and each scale curve as a table and a chart, all in
 * {@code results.md} next to the charts.
 */
final class Report {
    private final Plan plan;
    private final List<Measurement> rates = new ArrayList<>();
    private final List<String> latencies = new ArrayList<>();
    private final List<String> largeMessages = new ArrayList<>();
    private final List<Curve> curves = new ArrayList<>();
    private final List<String> curveTables = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> threadCpu = new ArrayList<>();

    Report(Plan plan) {
        this.plan = plan;
    }

    void rate(Measurement measurement) {
        rates.add(measurement);
        System.out.printf("%s | %s | %.0f/s (%s)%n", measurement.group(), measurement.scenario(), measurement.median(), measurement.rates());
    }

    /** Latency of one path at a paced rate, from the client's end of DATA to the sink's, in milliseconds. */
    void latency(String path, double rate, List<Double> millis, int sent) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        String row = String.format("| %s | %.0f | %d of %d | %.1f | %.1f | %.1f | %.1f |", path, rate, sorted.size(), sent,
            percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1));
        latencies.add(row);
        System.out.println("latency " + row);
    }

    /**
     * The CPU time each group of this JVM's threads spent per message while a path was timed
     * ({@link ThreadCpu}), groups of 5 µs or more, largest first.
     */
    void threadCpu(String path, Map<String, Long> nanosByGroup, long messages) {
        String groups = String.join(", ", ThreadCpu.perMessage(nanosByGroup, messages));
        String row = String.format("| %s | %.0f | %s |", path, ThreadCpu.total(nanosByGroup) / 1e3 / messages, groups);
        threadCpu.add(row);
        System.out.println("cpu " + row);
    }

    void largeMessage(String row) {
        largeMessages.add(row);
        System.out.println("P3 " + row);
    }

    void curve(Curve curve, String xFormat, String yFormat) {
        curves.add(curve);
        curveTables.add("**" + curve.title() + "** (" + curve.yLabel() + ", [chart](benchmark-" + curve.file() + ".png))\n\n"
            + curve.table(xFormat, yFormat));
        System.out.println(curve.title() + "\n" + curve.table(xFormat, yFormat));
    }

    /** Something the run met that the tables cannot show (a point that failed, say). */
    void note(String text) {
        notes.add(text);
        System.out.println("note: " + text);
    }

    static double percentile(List<Double> sorted, int percent) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    String markdown() {
        StringBuilder text = new StringBuilder();
        if (!rates.isEmpty()) {
            text.append("| | scenario | messages/s (median of ").append(plan.runs()).append(") | runs | note |\n|---|---|---:|---|---|\n");
            for (Measurement m : rates) {
                text.append("| ").append(m.group()).append(" | ").append(m.scenario()).append(" | ")
                    .append(String.format("%.0f", m.median())).append(" | ")
                    .append(m.rates().stream().map(r -> String.format("%.0f", r)).reduce((a, b) -> a + ", " + b).orElse(""))
                    .append(" | ").append(m.note()).append(" |\n");
            }
        }
        if (!latencies.isEmpty()) {
            text.append("\nLatency, from the client's end of DATA to the downstream's receipt of the message, at half each path's")
                .append(" measured rate (median above), milliseconds:\n\n")
                .append("| path | paced at messages/s | measured | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n");
            latencies.forEach(row -> text.append(row).append('\n'));
        }
        if (!threadCpu.isEmpty()) {
            text.append("\nCPU a message while each path was timed, µs, by group of this JVM's threads (James's, ours, the sink's;")
                .append(" the SMTP clients' threads, one set a run, are not counted):\n\n")
                .append("| path | all | by thread group |\n|---|---:|---|\n");
            threadCpu.forEach(row -> text.append(row).append('\n'));
        }
        if (!largeMessages.isEmpty()) {
            text.append("\nP3, one large message, the sender in a JVM with -Xmx64m, and smtp-source, each into smtp-sink:\n\n")
                .append("| size | sender MB/s | sender peak RSS | smtp-source MB/s | smtp-source peak RSS |\n|---:|---:|---:|---:|---:|\n");
            largeMessages.forEach(row -> text.append(row).append('\n'));
        }
        for (String table : curveTables) {
            text.append('\n').append(table);
        }
        notes.forEach(note -> text.append("\nNote: ").append(note).append('\n'));
        text.append("\nMachine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
            .append(Runtime.version()).append(", everything on loopback").append(plan.runs() == 1 ? "; smoke run" : "").append('\n');
        return text.toString();
    }

    /** Writes results.md and the charts to {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.md"), markdown());
        String title = "james-remote-forward on " + Runtime.getRuntime().availableProcessors() + " cores";
        Chart.bars(rates, dir, title);
        for (Curve curve : curves) {
            Chart.line(curve, dir, title);
        }
    }
}
