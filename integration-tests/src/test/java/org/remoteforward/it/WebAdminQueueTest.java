package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarding under James's own WebAdmin, as an operator uses it: listing the waiting mails
 * (which in James 3.8.1 closes the memory queue once too often) loses nothing, the size stays
 * right, and a flush sends the waiting mail at once; {@code /remote-forward/health} says unhealthy while the
 * downstream is down and healthy once it works; {@code /metrics} counts the deliveries.
 */
class WebAdminQueueTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: known@example.com\r\nSubject: waiting\r\n\r\nHello.\r\n";

    @TempDir
    Path dir;


    @Test
    void listingTheQueueLosesNoMailAndAFlushDeliversTheWaitingMail() throws Exception {
        int postfixPort = Daemons.freePort();
        int smtpPort = Daemons.freePort();
        int webAdminPort = Daemons.freePort();
        // nothing listens on the downstream's port yet: the mail waits an hour for its retry
        Path conf = JamesConfFolder.write(dir.resolve("james"), smtpPort, Map.of("targets", "tcp://127.0.0.1:" + postfixPort,
            "starttls", "no", "heloName", "relay.test", "delayTime", "1h", "connectTimeout", "2s"), ForwardingJames.Options.KEEP_FAILURES);
        Files.writeString(conf.resolve("webadmin.properties"), "enabled=true\nport=" + webAdminPort + "\nhost=127.0.0.1\n"
            // James's metrics, and our health check, as README tells operators to add them
            + "extensions.routes=org.apache.james.webadmin.dropwizard.MetricsRoutes,org.remoteforward.webadmin.RemoteForwardHealthRoutes\n");
        WebAdmin admin = new WebAdmin(webAdminPort);
        try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, smtpPort))) {
            SmtpClient.send(smtpPort, "sender@example.org", List.of("known@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            // the first attempt fails (nothing listens), and the mail waits for its retry
            Daemons.await(() -> admin.get("/mailQueues/remote-forward/mails").body().contains("known@example.com"));
            assertThat(admin.get("/mailQueues/remote-forward").body()).contains("\"size\":1");

            for (int i = 0; i < 5; i++) {
                HttpResponse<String> listed = admin.get("/mailQueues/remote-forward/mails");
                assertThat(listed.statusCode()).isEqualTo(200);
                assertThat(listed.body()).contains("known@example.com");
            }
            assertThat(admin.get("/mailQueues/remote-forward").body()).contains("\"size\":1");
            HttpResponse<String> down = admin.get("/remote-forward/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).as("health while nothing listens downstream").contains("\"status\":\"unhealthy\"")
                .contains("no endpoint works (tcp://127.0.0.1:" + postfixPort + " failing since").contains("1 mail queued");

            // the route README documents wants ?delayed=true
            assertThat(admin.call("PATCH", "/mailQueues/remote-forward/mails", "{\"delayed\": false}").statusCode()).isEqualTo(400);

            try (Postfix postfix = Postfix.setup().port(postfixPort).start(dir.resolve("postfix"))) {
                HttpResponse<String> flushed = admin.call("PATCH", "/mailQueues/remote-forward/mails?delayed=true",
                    "{\"delayed\": false}");
                assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(204);
                assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
                Daemons.await(() -> admin.get("/remote-forward/health").statusCode() == 200);
                HttpResponse<String> up = admin.get("/remote-forward/health");
                assertThat(up.statusCode()).isEqualTo(200);
                assertThat(up.body()).contains("\"status\":\"healthy\"");
                assertThat(admin.get("/metrics").body()).contains("remote_forward_delivered");
            }
        }
    }
}
