package org.remoteforward.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One run of Postfix's smtp-source from {@code a@example.com}: the anchor of P1, P3 and the
 * curves, and the load of P4's Postfix path and of the synchronous session curve.
 *
 * @param sessions parallel sessions ({@code -s})
 * @param messages messages in all ({@code -m})
 * @param size bytes of each message ({@code -l})
 * @param recipients recipients per message ({@code -r}), numbered by smtp-source when more than one
 * @param reuse whether a session sends message after message ({@code -d}) or one each
 * @param recipient the recipient ({@code -t})
 */
record SmtpSource(int sessions, int messages, long size, int recipients, boolean reuse, String recipient) {
    /** Reusing connections, one 4 KiB message at a time to {@code b@example.com}. */
    static SmtpSource of(int sessions, int messages) {
        return new SmtpSource(sessions, messages, Benchmark.MESSAGE_SIZE, 1, true, "b@example.com");
    }

    SmtpSource size(long bytes) {
        return new SmtpSource(sessions, messages, bytes, recipients, reuse, recipient);
    }

    SmtpSource recipients(int count) {
        return new SmtpSource(sessions, messages, size, count, reuse, recipient);
    }

    SmtpSource reuse(boolean again) {
        return new SmtpSource(sessions, messages, size, recipients, again, recipient);
    }

    SmtpSource to(String address) {
        return new SmtpSource(sessions, messages, size, recipients, reuse, address);
    }

    /** Starts it against {@code port}; its output is for the caller to read or discard. */
    Process start(int port, ProcessBuilder.Redirect output) throws IOException {
        List<String> command = new ArrayList<>(List.of("smtp-source", "-s", Integer.toString(sessions), "-m", Integer.toString(messages),
            "-l", Long.toString(size), "-f", "a@example.com", "-t", recipient));
        if (recipients > 1) {
            command.addAll(List.of("-r", Integer.toString(recipients)));
        }
        if (reuse) {
            command.add("-d");
        }
        command.add("127.0.0.1:" + port);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
    }

    /** Runs it to the end; what it said when it failed, empty when it succeeded. */
    Optional<String> run(int port) throws IOException, InterruptedException {
        Process source = start(port, ProcessBuilder.Redirect.PIPE);
        String output = new String(source.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return source.waitFor() == 0 ? Optional.empty() : Optional.of(output.isBlank() ? "exit " + source.exitValue() : output);
    }

    /** Runs it to the end, failing the benchmark when it fails; messages per second from its start to its exit. */
    double rate(int port) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Optional<String> failed = run(port);
        if (failed.isPresent()) {
            throw new IllegalStateException("smtp-source failed: " + failed.get());
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }
}
