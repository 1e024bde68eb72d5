package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real James 3.8.1 memory server with RemoteForwardMailet, fed over real SMTP, forwarding to the sink. */
class RealJamesForwardingTest {
    private static final String MESSAGE = "From: you@example.com\r\nTo: someone@example.com\r\nSubject:  odd   spacing\r\n\tfolded\r\n"
        + "\r\nHello through James.\r\n.a line that starts with a dot\r\n";

    @Test
    void jamesForwardsTheMessageAsItHoldsItWithTheEnvelopeUnchanged() throws Exception {
        LinkedBlockingQueue<MailSink.Landed> landed = new LinkedBlockingQueue<>();
        try (ForwardingJames james = ForwardingJames.start(new ForwardingJames.Options(Optional.empty(), List.of(), Map.of(),
            Optional.empty(), landed::add, ForwardingJames.Options.KEEP_FAILURES, Map.of(), Optional.empty(), List.of(), Map.of()))) {
            SmtpClient.send(james.smtpPort(), "you@example.com", List.of("someone@example.com", "other@example.org"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            MailSink.Landed mail = landed.poll(30, TimeUnit.SECONDS);
            assertThat(mail).as("a message reached the downstream sink").isNotNull();
            assertThat(mail.sender()).isEqualTo("you@example.com");
            assertThat(mail.recipients()).containsExactly("someone@example.com", "other@example.org");
            String received = Files.readString(mail.file(), StandardCharsets.UTF_8);
            // James's SMTP server prepends its Received header before any mailet runs; the rest must be untouched
            assertThat(received).startsWith("Received: ");
            assertThat(received).endsWith(MESSAGE);
            assertThat(received.substring(received.indexOf("\r\nFrom: ") + 2)).isEqualTo(MESSAGE);
        }
    }

    @Test
    void theRunCommandForwardsToNamedTargetsWithParameters(@TempDir Path dir) throws Exception {
        try (MailSink downstream = new MailSink(dir.resolve("downstream"), landed -> { });
             ForwardingJames james = ForwardingJames.start(ForwardingJames.parse(new String[] {
                 "--targets", "tcp://127.0.0.1:" + downstream.port(), "--param", "starttls=no", "--param", "heloName=relay.test"}))) {
            assertThat(james.sink()).isEmpty();
            SmtpClient.send(james.smtpPort(), "you@example.com", List.of("someone@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            assertThat(awaitLanded(downstream)).endsWith(MESSAGE);
        }
    }

    @Test
    void theRunCommandRunsAnOperatorsConfFolder(@TempDir Path dir) throws Exception {
        try (MailSink downstream = new MailSink(dir.resolve("downstream"), landed -> { })) {
            int port = Daemons.freePort();
            Path operatorConf = JamesConfFolder.write(dir.resolve("operator"), port,
                Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no"), ForwardingJames.Options.KEEP_FAILURES);
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.parse(new String[] {"--conf", operatorConf.toString()}))) {
                SmtpClient.send(port, "you@example.com", List.of("someone@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

                assertThat(awaitLanded(downstream)).endsWith(MESSAGE);
            }
        }
    }

    @Test
    void theRunCommandRefusesWhatItCannotDo() {
        assertThatThrownBy(() -> ForwardingJames.parse(new String[] {"--conf", "/etc/james", "--targets", "tcp://mx:25"}))
            .hasMessageContaining("--conf runs an operator's configuration as it is");
        assertThatThrownBy(() -> ForwardingJames.parse(new String[] {"--param", "starttls"})).hasMessageContaining("NAME=VALUE");
        assertThatThrownBy(() -> ForwardingJames.parse(new String[] {"--port", "x"})).hasMessageContaining("--port takes a number");
        assertThatThrownBy(() -> ForwardingJames.parse(new String[] {"--target"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> ForwardingJames.parse(new String[] {"--bogus", "1"})).hasMessageContaining("unknown option --bogus");
    }

    private static String awaitLanded(MailSink sink) throws Exception {
        for (int i = 0; i < 600 && sink.landed().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(sink.landed()).hasSize(1);
        return Files.readString(sink.landed().get(0).file(), StandardCharsets.UTF_8);
    }
}
