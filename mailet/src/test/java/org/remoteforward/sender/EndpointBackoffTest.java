package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** An endpoint that just failed is passed over while another works, and still tried when none does. */
class EndpointBackoffTest {
    private static final Envelope ENVELOPE = new Envelope("a@example.com", List.of("b@example.com"));

    @RegisterExtension
    final Started started = new Started();

    private static ConnectionSettings backoff(Duration backoff) {
        return new ConnectionSettings(false, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 1, backoff, false, false);
    }

    @Test
    void aFailedFirstEndpointIsSkippedWhileTheSecondWorks() throws Exception {
        ScriptedServer failing = started.tcp(Script.of().send("554 5.3.2 not now").expect("QUIT").send("221 bye"));
        ScriptedServer working = started.tcp(FailoverTest.delivering());
        DownstreamSender sender = started.sender(SettingsBuilder.to(failing.tcpUri(), working.tcpUri()).connections(backoff(Duration.ofMinutes(1))));

        for (int i = 0; i < 3; i++) {
            assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        }

        assertThat(failing.conversations()).as("tried once, then passed over").hasSize(1);
        assertThat(working.awaitConversations(3)).hasSize(3);
    }

    @Test
    void withoutBackoffEveryMessageTriesTheFailedEndpointFirst() throws Exception {
        ScriptedServer failing = started.tcp(Script.of().send("554 5.3.2 not now").expect("QUIT").send("221 bye"));
        ScriptedServer working = started.tcp(FailoverTest.delivering());
        DownstreamSender sender = started.sender(SettingsBuilder.to(failing.tcpUri(), working.tcpUri()).connections(backoff(Duration.ZERO)));

        for (int i = 0; i < 3; i++) {
            sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE));
        }

        assertThat(failing.awaitConversations(3)).hasSize(3);
    }

    @Test
    void anEndpointThatFailedLatelyIsStillTriedWhenTheOthersFail() throws Exception {
        ScriptedServer flaky = started.tcp(List.of(
            Script.of().send("421 4.3.2 busy").expect("QUIT").send("221 bye"),
            FailoverTest.delivering()));
        ScriptedServer refusing = started.tcp(Script.of().send("554 5.3.2 never").expect("QUIT").send("221 bye"));
        DownstreamSender sender = started.sender(SettingsBuilder.to(flaky.tcpUri(), refusing.tcpUri()).connections(backoff(Duration.ofMinutes(1))));

        assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).hasSize(1);
        // both failed lately: the configured order again, and flaky has recovered
        assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
    }

    @Test
    void onceTheFirstEndpointsBackoffHasPassedNewMessagesGoToItNotToAnIdleSessionOfTheSecond() throws Exception {
        ScriptedServer first = started.tcp(List.of(
            Script.of().send("554 5.3.2 not now").expect("QUIT").send("221 bye"),
            FailoverTest.delivering()));
        ScriptedServer second = started.tcp(FailoverTest.delivering());
        ConnectionSettings pooled = new ConnectionSettings(true, 10, Duration.ofMinutes(1), Duration.ofMinutes(5), 100,
            Duration.ofMillis(300), false, false, Duration.ofSeconds(5));
        DownstreamSender sender = started.sender(SettingsBuilder.to(first.tcpUri(), second.tcpUri()).connections(pooled));

        assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        // the second endpoint's session now waits idle; the first's back-off runs out
        Thread.sleep(500);
        assertThat(sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        sender.close();

        assertThat(first.awaitConversations(2).get(1).messages).as("the first endpoint is first again").hasSize(1);
        assertThat(second.awaitConversations(1)).singleElement().satisfies(conversation -> assertThat(conversation.messages).hasSize(1));
        assertThat(second.violations()).isEmpty();
    }
}
