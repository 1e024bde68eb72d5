package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.james.core.healthcheck.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.OAuthServer;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.Started;

import reactor.core.publisher.Mono;

/** James's health check for the forwarding: each forwarder's endpoints and the age of its queue's oldest mail. */
class RemoteForwardHealthCheckTest {
    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;

    @BeforeEach
    void harness() throws Exception {
        harness = new MailetHarness(started);
    }

    private Result check(Duration later) {
        RemoteForwardHealthCheck check = new RemoteForwardHealthCheck(harness.health,
            Clock.offset(Clock.system(ZoneOffset.UTC), later));
        return Mono.from(check.check()).block();
    }

    private void sendOneMail(RemoteForwardMailet mailet) throws Exception {
        mailet.service(harness.mail(RemoteForwardMailetTest.ORIGINAL, "a@example.com", "b@example.com"));
    }

    @Test
    void healthyWhileTheEndpointWorksAndNothingWaits() throws Exception {
        ScriptedServer server = started.tcp(RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");
        sendOneMail(mailet);

        assertThat(check(Duration.ZERO).isHealthy()).isTrue();
    }

    @Test
    void unhealthyWhenNoEndpointWorksNamingEachWithWhyAndTheBacklog() throws Exception {
        String dead = LoopbackPorts.deadEndpoint();
        RemoteForwardMailet mailet = harness.start("targets", dead, "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "delayTime", "1h");
        sendOneMail(mailet);

        Result result = check(Duration.ZERO);
        assertThat(result.isUnHealthy()).isTrue();
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .contains("forward (queue remote-forward): no endpoint works (" + dead + " failing since ")
            .contains("refused").contains("1 mail queued, the oldest for "));
    }

    @ParameterizedTest
    @CsvSource({"535 5.7.8 authentication credentials invalid", "454 4.7.0 temporary authentication failure"})
    void anEndpointRefusingOurCredentialsIsFailingUntilItTakesThem(String refusal) throws Exception {
        ScriptedServer server = started.tcp(List.of(
            ScriptedServer.Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH PLAIN")
                .expect("AUTH PLAIN AHJlbGF5AHNlY3JldA==").send(refusal).expect("QUIT").send("221 bye"),
            ScriptedServer.Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH PLAIN")
                .expect("AUTH PLAIN AHJlbGF5AHNlY3JldA==").send("235 2.7.0 ok")
                .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued").expect("QUIT").send("221 bye")));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "allowPlaintextCredentials", "yes",
            "auth", "plain", "authUsername", "relay", "authPassword", "secret", "heloName", "relay.test", "inline", "yes",
            "delayTime", "1h", "reuseConnections", "no");
        sendOneMail(mailet);

        Result refused = check(Duration.ZERO);
        assertThat(refused.isUnHealthy()).as(refused.toString()).isTrue();
        assertThat(refused.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .contains("no endpoint works (" + server.tcpUri() + " failing since ").contains("refused our credentials: " + refusal));

        sendOneMail(mailet);
        assertThat(check(Duration.ZERO).isHealthy()).isTrue();
    }

    @Test
    void anEndpointWeHaveNoAccessTokenForIsFailingUntilOneIsHad(@TempDir Path dir) throws Exception {
        String token = "fixed-token-1";
        String login = java.util.Base64.getEncoder().encodeToString(("user=relay@example.com\u0001auth=Bearer " + token + "\u0001\u0001")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ScriptedServer server = started.tcp(List.of(
            ScriptedServer.Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH XOAUTH2")
                .expect("QUIT").send("221 bye"),
            ScriptedServer.Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH XOAUTH2")
                .expect("AUTH XOAUTH2 " + login).send("235 2.7.0 ok")
                .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued").expect("QUIT").send("221 bye")));
        Path secret = Files.writeString(dir.resolve("secret"), "Health-Secret-77\n");
        try (OAuthServer provider = new OAuthServer("app", "Health-Secret-77", "relay@example.com")) {
            provider.answering(form -> new OAuthServer.Answer(503, "{\"error\":\"temporarily_unavailable\"}"));
            RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "allowPlaintextCredentials", "yes",
                "auth", "xoauth2", "authUsername", "relay@example.com", "oauthTokenEndpoint", provider.tokenUrl(), "oauthClientId", "app",
                "oauthClientSecretFile", secret.toString(), "heloName", "relay.test", "inline", "yes", "delayTime", "1h",
                "reuseConnections", "no");
            sendOneMail(mailet);

            Result failing = check(Duration.ZERO);
            assertThat(failing.isUnHealthy()).as(failing.toString()).isTrue();
            assertThat(failing.getCause()).hasValueSatisfying(cause -> assertThat(cause)
                .contains("no endpoint works (" + server.tcpUri() + " failing since ")
                .contains("no access token: the token endpoint " + provider.tokenUrl() + " answered HTTP 503: temporarily_unavailable")
                .doesNotContain("Health-Secret-77"));

            provider.answering(form -> new OAuthServer.Answer(200, "{\"access_token\":\"" + token + "\",\"expires_in\":3600}"));
            sendOneMail(mailet);
            assertThat(check(Duration.ZERO).isHealthy()).isTrue();
        }
    }

    @Test
    void degradedWhenOneOfTwoEndpointsFails() throws Exception {
        String dead = LoopbackPorts.deadEndpoint();
        ScriptedServer server = started.tcp(RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", dead + " " + server.tcpUri(), "starttls", "no",
            "heloName", "relay.test", "inline", "yes");
        sendOneMail(mailet);

        Result result = check(Duration.ZERO);
        assertThat(result.isDegraded()).as(result.toString()).isTrue();
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .contains("endpoints failing (" + dead + " failing since ").doesNotContain(server.tcpUri() + " failing"));
    }

    @Test
    void degradedWhenAMailHasWaitedPastHealthQueueAge() throws Exception {
        ScriptedServer server = started.tcp(ScriptedServer.Script.of().send("220 mx.test").expect("EHLO relay.test")
            .send("250 mx.test").expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>")
            .send("451 4.2.0 not now").expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "delayTime", "1h", "healthQueueAge", "30m");
        sendOneMail(mailet);

        assertThat(check(Duration.ofMinutes(29)).isHealthy()).isTrue();
        Result late = check(Duration.ofMinutes(31));
        assertThat(late.isDegraded()).as(late.toString()).isTrue();
        assertThat(late.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .contains("endpoints working; 1 mail queued, the oldest for 31m").contains("(over healthQueueAge 30m)"));
    }

    @Test
    void aStoppedMailetIsNoLongerReported() throws Exception {
        RemoteForwardMailet mailet = harness.start("targets", LoopbackPorts.deadEndpoint(), "starttls", "no",
            "heloName", "relay.test", "inline", "yes", "delayTime", "1h");
        sendOneMail(mailet);
        assertThat(check(Duration.ZERO).isUnHealthy()).isTrue();

        mailet.destroy();

        assertThat(check(Duration.ZERO).isHealthy()).isTrue();
    }
}
