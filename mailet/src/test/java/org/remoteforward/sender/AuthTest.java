package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

class AuthTest {
    @RegisterExtension
    final Started started = new Started();
    private ScriptedServer server;
    private DownstreamSender sender;

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Script authenticatedDelivery(String authLine) {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH LOGIN PLAIN")
            .expect(authLine).send("235 2.7.0 authenticated")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    private DeliveryResult deliver(SettingsBuilder settings, Envelope envelope) throws Exception {
        sender = started.sender(settings);
        return sender.deliver(envelope, Messages.of(Messages.SIMPLE));
    }

    @Test
    void loginAnswersTheUserNameAndPasswordChallengesForAServerThatOffersOnlyLogin() throws Exception {
        String user = Base64.getEncoder().encodeToString("relay".getBytes(StandardCharsets.UTF_8));
        String password = Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8));
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH LOGIN")
            .expect("AUTH LOGIN").send("334 VXNlcm5hbWU6")
            .expect(user).send("334 UGFzc3dvcmQ6")
            .expect(password).send("235 2.7.0 authenticated")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).login("relay", "s3cret"),
            new Envelope("a@example.com", List.of("b@example.com")));
        sender.close();

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void loginRefusedIsTheServersReplyAndAServerWithoutLoginIsPassedOver() throws Exception {
        server = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH LOGIN")
                .expect("AUTH LOGIN").send("334 VXNlcm5hbWU6")
                .expect(Base64.getEncoder().encodeToString("relay".getBytes(StandardCharsets.UTF_8))).send("334 UGFzc3dvcmQ6")
                .expect(Base64.getEncoder().encodeToString("wrong".getBytes(StandardCharsets.UTF_8))).send("535 5.7.8 bad credentials")
                .expect("QUIT").send("221 bye"),
            Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN").expect("QUIT").send("221 bye")));
        DeliveryResult refused = deliver(SettingsBuilder.to(server.tcpUri()).login("relay", "wrong"),
            new Envelope("a@example.com", List.of("b@example.com")));
        assertThat(refused.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(refused.of("b@example.com").serverReply().orElseThrow().code()).isEqualTo(535);

        DeliveryResult noLogin = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
        sender.close();
        assertThat(noLogin.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(noLogin.of("b@example.com").detail()).contains("does not offer AUTH LOGIN (offers PLAIN)");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void plainWithConfiguredCredentials() throws Exception {
        server = started.tcp(authenticatedDelivery("AUTH PLAIN " + plain("relay", "s3cret")));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "s3cret"),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void plainAnswersAnEmptyChallengeWhenTheServerWantsNoInitialResponse() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN")
            .expect("AUTH PLAIN " + plain("relay", "s3cret")).send("334 ")
            .expect(plain("relay", "s3cret")).send("235 ok")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "s3cret"),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void forwardUsesTheEnvelopeCredentials() throws Exception {
        server = started.tcp(authenticatedDelivery("AUTH PLAIN " + plain("alice@example.com", "alice-pw")));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).auth(AuthMode.FORWARD),
            new Envelope("a@example.com", List.of("b@example.com"), Optional.of(new Credentials("alice@example.com", "alice-pw"))));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void forwardWithoutCredentialsFailsPermanentlyWithoutConnecting() throws Exception {
        server = started.tcp(Script.of());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).auth(AuthMode.FORWARD),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("auth forward").contains("credentials");
        assertThat(server.conversations()).isEmpty();
    }

    @Test
    void authConfiguredButNotAdvertisedIsAnError() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 8BITMIME")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "s3cret"),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("does not advertise AUTH");
        assertThat(server.onlyConversation().commands).doesNotContain("MAIL FROM:<a@example.com>");
    }

    @Test
    void theConfiguredMechanismMustBeOffered() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH CRAM-MD5")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "s3cret"),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.of("b@example.com").detail()).contains("does not offer AUTH PLAIN (offers CRAM-MD5)");
    }

    @Test
    void rejectedCredentialsFailPermanentlyWithTheReply() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN")
            .expectMatching("AUTH PLAIN .*").send("535 5.7.8 authentication failed")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "wrong"),
            new Envelope("a@example.com", List.of("b@example.com")));

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(b.serverReply().orElseThrow().enhancedStatus()).contains(new EnhancedStatus(5, 7, 8));
        assertThat(b.detail()).contains("AUTH");
    }

    @Test
    void temporaryAuthFailureIsTemporary() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH=PLAIN")
            .expectMatching("AUTH PLAIN .*").send("454 4.7.0 temporary authentication failure")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).plain("relay", "pw"),
            new Envelope("a@example.com", List.of("b@example.com")));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
    }

    @Test
    void aSessionWhoseAuthWasRefusedIsNotKeptForReuse() throws Exception {
        // with one session an endpoint, a refused session left in the pool would hold the only permit until evicted
        server = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH PLAIN")
                .expectMatching("AUTH PLAIN .*").send("535 5.7.8 authentication failed")
                .expect("QUIT").send("221 bye"),
            authenticatedDelivery("AUTH PLAIN " + plain("relay", "s3cret"))));
        sender = started.sender(SettingsBuilder.to(server.tcpUri()).plain("relay", "s3cret")
            .connections(new ConnectionSettings(true, 1, Duration.ofMinutes(1), Duration.ofMinutes(5), 100, Duration.ZERO, false, false))
            .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5)));
        Envelope envelope = new Envelope("a@example.com", List.of("b@example.com"));

        assertThat(sender.deliver(envelope, Messages.of(Messages.SIMPLE)).of("b@example.com").outcome())
            .isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(server.awaitConversations(1).get(0).commands).last().isEqualTo("QUIT");
        assertThat(sender.deliver(envelope, Messages.of(Messages.SIMPLE)).failed()).isEmpty();
        sender.close();
        assertThat(server.awaitConversations(2)).hasSize(2);
        assertThat(server.violations()).isEmpty();
    }
}
