package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remoteforward.testing.OAuthServer;

/**
 * auth xoauth2 and oauthbearer against a server that checks tokens: Postfix with Dovecot's SASL,
 * Dovecot's {@code oauth2} passdb asking the token introspection endpoint (RFC 7662) of an
 * authorization server this test runs, which knows which tokens are live and for how long. Tokens
 * come from a file another tool keeps, or from that server's token endpoint: renewed before they
 * expire, replaced when revoked, and while the endpoint is down the mail waits, never bounced and
 * never sent unauthenticated. The SMTP hooks get theirs the same way.
 */
class OAuthDovecotTest {
    private static final String MESSAGE = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: oauth\r\n\r\nWith a bearer token.\r\n";
    private static final String CLIENT = "relay-app";
    private static final String SECRET = "Client-Secret-0c4b";

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("oauth-ca");

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private static Map<String, String> forward(Postfix postfix, String mechanism, Map<String, String> tokenSource) {
        Map<String, String> parameters = new HashMap<>(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no",
            "allowPlaintextCredentials", "yes", "auth", mechanism, "authUsername", Dovecot.ALICE, "heloName", "relay.test",
            "delayTime", "1s",
            // a session per message, so that each one authenticates (a pooled session stays authenticated)
            "reuseConnections", "no", "maxRetries", "5"));
        parameters.putAll(tokenSource);
        return parameters;
    }

    private void deliversWithATokenFile(String mechanism) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "live-token-1\n");
        try (OAuthServer provider = new OAuthServer(CLIENT, SECRET, Dovecot.ALICE);
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), provider.introspectionUrl());
             Postfix postfix = Postfix.setup().requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(
                 forward(postfix, mechanism, Map.of("oauthTokenFile", token.toString()))), CollectingMailet.XML))) {
            provider.accept("live-token-1", Dovecot.ALICE);
            send(james);

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log() + dovecot.log()).hasSize(1);
            assertThat(Files.readString(delivered.get(0))).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
            assertThat(provider.introspected()).contains("live-token-1");

            // revoked: refused, the file re-read and the same token refused again, so the mail waits, never bounced
            provider.revokeAll();
            send(james);
            awaitAtLeast(() -> provider.inactiveAnswers(), 2, "the revoked token asked about twice");
            assertThat(CollectingMailet.collected()).as("nothing bounced or failed for good").isEmpty();
            assertThat(postfix.awaitMessages(1)).hasSize(1);

            // the other tool writes a live token: the retry delivers with it
            provider.accept("live-token-2", Dovecot.ALICE);
            Files.writeString(token, "live-token-2");
            assertThat(postfix.awaitMessages(2)).as(postfix.log()).hasSize(2);
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }

    @Test
    void xoauth2WithATokenFile() throws Exception {
        deliversWithATokenFile("xoauth2");
    }

    @Test
    void oauthbearerWithATokenFile() throws Exception {
        deliversWithATokenFile("oauthbearer");
    }

    @Test
    void theTokenEndpointsTokensAreRenewedBeforeTheyExpireReplacedWhenRevokedAndAwaitedWhileItIsDown() throws Exception {
        Path secret = Files.writeString(dir.resolve("client-secret"), SECRET + "\n");
        try (OAuthServer provider = new OAuthServer(CLIENT, SECRET, Dovecot.ALICE).lifetime(Duration.ofSeconds(4));
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), provider.introspectionUrl());
             Postfix postfix = Postfix.setup().requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(
                 forward(postfix, "xoauth2", Map.of("oauthTokenEndpoint", provider.tokenUrl(), "oauthClientId", CLIENT,
                     "oauthClientSecretFile", secret.toString(), "commandTimeout", "5s"))), CollectingMailet.XML))) {
            send(james);
            send(james);
            assertThat(postfix.awaitMessages(2)).as(postfix.log() + dovecot.log()).hasSize(2);
            assertThat(provider.issued()).as("one token for both sessions").isEqualTo(1);

            // the first token has expired by the provider's clock: a new one was fetched before it was used
            Thread.sleep(4_500);
            send(james);
            assertThat(postfix.awaitMessages(3)).as(postfix.log()).hasSize(3);
            assertThat(provider.issued()).isEqualTo(2);
            assertThat(provider.inactiveAnswers()).as("no expired token was ever presented").isZero();

            // revoked: Dovecot refuses it, a fresh one is fetched and delivers in the same attempt
            provider.lifetime(Duration.ofHours(1)).revokeAll();
            send(james);
            assertThat(postfix.awaitMessages(4)).as(postfix.log()).hasSize(4);
            assertThat(provider.issued()).isEqualTo(3);
            assertThat(provider.inactiveAnswers()).isEqualTo(1);

            // the provider is down and the token revoked: the mail waits for its retries, never bounced
            provider.revokeAll();
            provider.down();
            send(james);
            awaitAtLeast(() -> provider.inactiveAnswers(), 2, "the revoked token refused");
            Thread.sleep(2_500);
            assertThat(postfix.awaitMessages(4)).as("nothing delivered while no token can be had").hasSize(4);
            assertThat(CollectingMailet.collected()).as("nothing bounced or failed for good").isEmpty();
            provider.up();
            List<Path> delivered = postfix.awaitMessages(5);
            assertThat(delivered).as(postfix.log()).hasSize(5);
            for (Path message : delivered) {
                assertThat(Files.readString(message)).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
            }
            assertThat(CollectingMailet.collected()).isEmpty();
            assertThat(provider.requests()).allMatch(form -> form.equals(Map.of("grant_type", "client_credentials", "client_id", CLIENT,
                "client_secret", SECRET)));
        }
    }

    @Test
    void theSmtpHooksGetTheirTokensFromTheEndpointAndAnswer454WhenNoneCanBeHad() throws Exception {
        Path refresh = Files.writeString(dir.resolve("refresh-token"), "refresh-1\n");
        try (OAuthServer provider = new OAuthServer(CLIENT, SECRET, Dovecot.ALICE).refreshToken("refresh-1", true);
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), provider.introspectionUrl());
             Postfix postfix = Postfix.setup().requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
            Map<String, String> forward = forward(postfix, "oauthbearer", Map.of("oauthTokenEndpoint", provider.tokenUrl(),
                "oauthClientId", CLIENT, "oauthRefreshTokenFile", refresh.toString()));
            forward.remove("delayTime");
            forward.remove("maxRetries");
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(Map.of("targets",
                    "tcp://127.0.0.1:" + postfix.smtpPort(), "heloName", "relay.test"),
                ForwardingJames.Options.KEEP_FAILURES).forwardingSynchronously(forward))) {
                send(james);
                assertThat(postfix.awaitMessages(1)).as(postfix.log() + dovecot.log()).hasSize(1);
                assertThat(Files.readString(refresh)).as("the rotated refresh token saved").isEqualTo(provider.currentRefreshToken() + "\n");

                provider.revokeAll();
                provider.answering(form -> new OAuthServer.Answer(400, "{\"error\":\"invalid_grant\"}"));
                try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
                    assertThat(client.command("EHLO client.example")).startsWith("250");
                    assertThat(client.command("MAIL FROM:<" + Dovecot.ALICE + ">")).startsWith("250");
                    String rcpt = client.command("RCPT TO:<bob@example.com>");
                    assertThat(rcpt).startsWith("454").contains("4.7.0");
                    assertThat(client.command("QUIT")).startsWith("221");
                }
                assertThat(postfix.awaitMessages(1)).hasSize(1);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"microsoft-365-oauth.xml", "gmail-oauth.xml"})
    void theCloudSamplesDeliverWithTokensFromTheTestsProvider(String sample) throws Exception {
        boolean refreshGrant = sample.startsWith("gmail");
        Path secret = Files.writeString(dir.resolve("client-secret"), SECRET + "\n");
        Path refresh = Files.writeString(dir.resolve("refresh-token"), "refresh-1\n");
        try (OAuthServer provider = new OAuthServer(CLIENT, SECRET, Dovecot.ALICE).refreshToken("refresh-1", true);
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), provider.introspectionUrl());
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
            Map<String, String> overrides = new HashMap<>(Map.of("targets", "tcp://localhost:" + postfix.smtpPort(),
                "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test", "authUsername", Dovecot.ALICE,
                "oauthTokenEndpoint", provider.tokenUrl(), "oauthClientId", CLIENT, "oauthClientSecretFile", secret.toString()));
            if (refreshGrant) {
                overrides.put("oauthRefreshTokenFile", refresh.toString());
            }
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(
                ConfSamples.parameters(sample, overrides)), CollectingMailet.XML))) {
                send(james);
                List<Path> delivered = postfix.awaitMessages(1);
                assertThat(delivered).as(postfix.log() + dovecot.log()).hasSize(1);
                assertThat(Files.readString(delivered.get(0))).contains("(Authenticated sender: " + Dovecot.ALICE + ")")
                    .contains("with ESMTPSA");
            }
            Map<String, String> asked = provider.requests().get(0);
            if (refreshGrant) {
                assertThat(asked).containsEntry("grant_type", "refresh_token").containsEntry("refresh_token", "refresh-1")
                    .containsEntry("client_secret", SECRET);
                assertThat(Files.readString(refresh)).isEqualTo(provider.currentRefreshToken() + "\n");
            } else {
                assertThat(asked).isEqualTo(Map.of("grant_type", "client_credentials", "client_id", CLIENT, "client_secret", SECRET,
                    "scope", "https://outlook.office365.com/.default"));
            }
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }

    private static void send(ForwardingJames james) throws Exception {
        SmtpClient.send(james.smtpPort(), Dovecot.ALICE, List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitAtLeast(java.util.function.IntSupplier count, int least, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (count.getAsInt() < least && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(count.getAsInt()).as(what).isGreaterThanOrEqualTo(least);
    }
}
