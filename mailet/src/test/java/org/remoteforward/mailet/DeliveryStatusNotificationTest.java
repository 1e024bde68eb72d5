package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.sender.DsnRequest;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;
import org.remoteforward.testing.Started;

class DeliveryStatusNotificationTest {
    @RegisterExtension
    final Started started = new Started();

    @Test
    void itsDatesAreTheInjectedClocks() throws Exception {
        MailetHarness harness = new MailetHarness(started);
        Clock clock = Clock.fixed(Instant.parse("2031-02-03T04:05:06Z"), ZoneOffset.UTC);
        RecipientResult failed = RecipientResult.answered("b@example.com", Outcome.PERMANENT_FAILURE,
            Reply.of(550, "5.1.1 no such user"), "refused", Optional.of(Endpoint.parse("tcp://mx.test:25")));

        MimeMessage dsn = DeliveryStatusNotification.failed(harness.mail("Subject: hi\r\n\r\nhi\r\n", "a@example.com", "b@example.com"),
            List.of(failed), DsnRequest.NONE, "relay.test", new MailAddress("postmaster@relay.test"), clock);

        assertThat(MailetHarness.deliveryStatus(dsn)).contains("Arrival-Date: Mon, 3 Feb 2031 04:05:06 GMT");
        assertThat(dsn.getSentDate().toInstant()).isEqualTo(clock.instant());
    }
}
