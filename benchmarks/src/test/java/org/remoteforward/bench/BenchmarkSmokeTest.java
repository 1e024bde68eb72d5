package org.remoteforward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI's run of the benchmark, so that it cannot rot: every group once, on a few messages
 * ({@link Plan#smoke}), through the same code as {@code bin/benchmark}. What it checks is that
 * every scenario ran to the end and was written out, never a figure: timings belong to
 * {@code bin/benchmark} on a quiet machine, not to a test.
 */
class BenchmarkSmokeTest {
    @Test
    void everyGroupRunsToTheEndAndWritesItsTablesAndCharts(@TempDir Path out) throws Exception {
        new Benchmark(Plan.smoke(Set.of(Plan.ALL_GROUPS.split(",")))).run(out);

        String results = Files.readString(out.resolve("results.md"));
        assertThat(results).contains(
            "| P1 | smtp-source, 10 session(s), reusing connections (-d) |",
            "| P1 | sender, 10 session(s), pool + pipelining |",
            "| P2 | James 3.8.1 + RemoteForwardMailet |",
            "| P2 | James 3.8.1 + RemoteForwardMailet, inline no |",
            "| P2 | James 3.8.1 + RemoteForwardMailet, inline yes |",
            "| P2 | James 3.8.1 + synchronous forwarding (SMTP hooks) |",
            "| P2 | James 3.8.1, a mailet that only counts (James's own ceiling) |",
            "| P2 | James 3.8.1 + RemoteDelivery (gateway) |",
            "| P2 | James 3.8.1 + RemoteForwardMailet, RabbitMQ queue |",
            "| P2 | James 3.8.1 + RemoteForwardMailet, inline no, RabbitMQ queue |",
            "| P2 | James 3.8.1 + RemoteForwardMailet, inline yes, RabbitMQ queue |",
            "| P4 | sender over LMTP to Dovecot, 10 session(s), pool + pipelining + BDAT |",
            "| P4 | smtp-source into Postfix, its lmtp client to Dovecot, 10 sessions |",
            "| RemoteForwardMailet | ", "| RemoteForwardMailet, inline no | ", "| RemoteForwardMailet, inline yes | ", "| synchronous forwarding (SMTP hooks) | ",
            "| 8 MiB | ",
            "**message size", "**recipients per message", "**time per recipient", "**synchronous forwarding, concurrent client sessions");
        // every latency row saw each of its messages at both ends: none was lost or left unnumbered on the way
        results.lines().filter(line -> line.matches("\\| [^|]+ \\| \\d+ \\| \\d+ of \\d+ \\|.*")).forEach(line -> {
            String[] measured = line.split("\\|")[3].trim().split(" of ");
            assertThat(measured[0]).as(line).isEqualTo(measured[1]);
        });
        // each path's CPU by thread group, measured while it was timed: our delivery workers in the queued row, RemoteDelivery's in its own
        assertThat(results.lines().filter(line -> line.matches("\\| RemoteForwardMailet, inline no \\| \\d+ \\| .*remote-forward-delivery \\d+.*")))
            .hasSize(1);
        assertThat(results.lines().filter(line -> line.matches("\\| RemoteDelivery \\(gateway\\) \\| \\d+ \\| .*RemoteDelivery-Process \\d+.*")))
            .hasSize(1);
        for (String chart : new String[] {"p1", "p2", "p4", "size", "recipients", "recipients-time", "sessions", "sessions-resources"}) {
            assertThat(out.resolve("benchmark-" + chart + ".png")).as(chart).isNotEmptyFile();
        }
    }
}
