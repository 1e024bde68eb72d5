package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.2 is our minimum even where the JVM would go lower. Java 17 already disables TLS 1.0
 * and 1.1, so the check runs in a child JVM whose security properties enable them again (as an
 * operator's relaxed java.security would): there a TLS 1.1 server is refused by default, and the
 * same delivery with TLS 1.1 asked for explicitly goes through, which shows the child really
 * allows it and the refusal is ours.
 */
class TlsMinimumVersionTest {
    @TempDir
    Path dir;

    @Test
    void tls11IsRefusedByDefaultEvenWhereTheJvmAllowsIt() throws Exception {
        String refused = probe("default");
        assertThat(refused).contains("outcome=TEMPORARY_FAILURE").contains("TLS failed").doesNotContain("serverProtocol=TLSv1.1");

        String allowed = probe("tls1.1");
        assertThat(allowed).contains("outcome=DELIVERED").contains("serverProtocol=TLSv1.1");
    }

    private String probe(String protocols) throws IOException, InterruptedException {
        Path security = dir.resolve("relaxed.security");
        Files.writeString(security, "jdk.tls.disabledAlgorithms=\njdk.certpath.disabledAlgorithms=\n");
        Path output = dir.resolve("probe-" + protocols + ".out");
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djava.security.properties=" + security, "-Xmx128m",
            "-cp", System.getProperty("java.class.path"), LegacyTlsProbe.class.getName(), protocols))
            .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish: " + Files.readString(output));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(text).isZero();
        return text;
    }
}
