package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.config.maddy.MaddyConverter;

/** James starts with what the maddy converter makes of maddy's documented examples, and forwards as maddy would. */
class MaddyConvertedConfigTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: known@example.com\r\nSubject: from maddy\r\n\r\nHello.\r\n";

    @TempDir
    Path dir;

    private static ForwardingJames jamesWith(String maddyConfig) throws Exception {
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(maddyConfig);
        assertThat(fragments).hasSize(1);
        return ForwardingJames.start(ForwardingJames.Options.forwarding(fragments.get(0).parameters(), ForwardingJames.Options.KEEP_FAILURES));
    }

    @Test
    void maddysDovecotExampleDeliversIntoDovecotOverItsLmtpSocket() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             ForwardingJames james = jamesWith("hostname relay.test\n"
                 + "target.lmtp local_mailboxes {\n    targets unix://" + dovecot.lmtpSocket() + "\n}\n")) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = dovecot.awaitMessages("known", 1);
            assertThat(delivered).as(dovecot.log()).hasSize(1);
            assertThat(Files.readString(delivered.get(0))).endsWith(MESSAGE.replace("\r\n", "\n"));
        }
    }

    @Test
    void aDeliverToOneLinerWithABlockForwardsOverSmtpAsTheHostnameItNames() throws Exception {
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> "250 ok");
             ForwardingJames james = jamesWith("$(hostname) = relay.example.org\nhostname $(hostname)\n"
                 + "smtp tcp://0.0.0.0:25 {\n    deliver_to smtp tcp://127.0.0.1:" + downstream.port() + " {\n        starttls no\n        debug\n    }\n}\n")) {
            SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("known@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            assertThat(downstream.awaitTaken(1, 60)).containsEntry("known@example.com", 1);
            assertThat(downstream.takenBy().get("known@example.com")).containsExactly("relay.example.org");
        }
    }
}
