package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.OAuthServer;
import org.slf4j.LoggerFactory;

/**
 * oauthTokenEndpoint against a real HTTP token endpoint: the two grants, the cache and its renewal
 * (on a clock the test moves), one request for many sessions, and every way the endpoint can fail,
 * each a {@link TokenUnavailableException} naming the endpoint and the cause, never a secret.
 */
class TokenEndpointTest {
    private static final String CLIENT = "client-7";
    private static final String SECRET = "Client-Secret-5e1d";
    private static final String SCOPE = "https://outlook.office365.com/.default";

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private OAuthServer server;
    private Path secretFile;

    @BeforeEach
    void start() throws Exception {
        server = new OAuthServer(CLIENT, SECRET, "alice@example.com");
        secretFile = Files.writeString(dir.resolve("client-secret"), SECRET + "\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TokenEndpoint clientCredentials(Duration replyTimeout) {
        return new TokenEndpoint(new TokenGrant(URI.create(server.tokenUrl()), CLIENT, Optional.of(secretFile), Optional.of(SCOPE),
            Optional.empty()), Duration.ofSeconds(2), replyTimeout, clock::get);
    }

    private TokenEndpoint clientCredentials() {
        return clientCredentials(Duration.ofSeconds(5));
    }

    private void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    @Test
    void asksWithTheClientCredentialsGrantOnceAndKeepsTheToken() throws Exception {
        TokenEndpoint tokens = clientCredentials();
        AccessToken first = tokens.current();
        assertThat(tokens.current()).isEqualTo(first);
        assertThat(server.requests()).containsExactly(Map.of("grant_type", "client_credentials", "client_id", CLIENT,
            "client_secret", SECRET, "scope", SCOPE));
        assertThat(first.value()).startsWith("at-1-");
        assertThat(first.toString()).doesNotContain(first.value()).contains(server.tokenUrl());
    }

    @Test
    void renewsWhenAQuarterOfItsLifeIsLeftAtMostFiveMinutesBeforeItEnds() throws Exception {
        server.lifetime(Duration.ofSeconds(400));
        TokenEndpoint tokens = clientCredentials();
        AccessToken first = tokens.current();
        advance(Duration.ofSeconds(299));
        assertThat(tokens.current()).isEqualTo(first);
        advance(Duration.ofSeconds(2));
        AccessToken second = tokens.current();
        assertThat(second).isNotEqualTo(first);
        assertThat(server.requests()).hasSize(2);

        server.lifetime(Duration.ofHours(2));
        tokens.refused(second);
        AccessToken third = tokens.current();
        advance(Duration.ofMinutes(114));
        assertThat(tokens.current()).isEqualTo(third);
        advance(Duration.ofMinutes(2));
        assertThat(tokens.current()).isNotEqualTo(third);
    }

    @Test
    void withoutExpiresInATokenIsKeptForAnHourLessTheMargin() throws Exception {
        server.answering(form -> new OAuthServer.Answer(200, "{\"access_token\":\"no-expiry-" + server.requests().size() + "\",\"token_type\":\"bearer\"}"));
        TokenEndpoint tokens = clientCredentials();
        AccessToken first = tokens.current();
        advance(Duration.ofMinutes(54));
        assertThat(tokens.current()).isEqualTo(first);
        advance(Duration.ofMinutes(2));
        assertThat(tokens.current().value()).isEqualTo("no-expiry-2");
    }

    @Test
    void expiresInAsAStringIsRead() throws Exception {
        server.answering(form -> new OAuthServer.Answer(200, "{\"access_token\":\"s-" + server.requests().size() + "\",\"expires_in\":\"400\"}"));
        TokenEndpoint tokens = clientCredentials();
        tokens.current();
        advance(Duration.ofSeconds(301));
        assertThat(tokens.current().value()).isEqualTo("s-2");
    }

    @Test
    void aFailedRenewalKeepsTheValidTokenUntilItExpiresThenFails() throws Exception {
        server.lifetime(Duration.ofSeconds(400));
        TokenEndpoint tokens = clientCredentials();
        AccessToken first = tokens.current();
        server.answering(form -> new OAuthServer.Answer(503, ""));
        advance(Duration.ofSeconds(350));
        assertThat(tokens.current()).isEqualTo(first);
        advance(Duration.ofSeconds(51));
        assertThatThrownBy(tokens::current).isInstanceOf(TokenUnavailableException.class).hasMessageContaining("answered HTTP 503");
        server.answering(null);
        assertThat(tokens.current()).isNotEqualTo(first);
    }

    @Test
    void aRefusedTokenIsNotGivenOutAgain() throws Exception {
        TokenEndpoint tokens = clientCredentials();
        AccessToken first = tokens.current();
        tokens.refused(first);
        AccessToken second = tokens.current();
        assertThat(second).isNotEqualTo(first);
        tokens.refused(first);
        assertThat(tokens.current()).as("a late refusal of the old token keeps the new one").isEqualTo(second);
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void sessionsAskingTogetherCostOneRequest() throws Exception {
        server.delay(Duration.ofMillis(400));
        TokenEndpoint tokens = clientCredentials();
        List<Object> answers = together(16, tokens);
        assertThat(answers).hasSize(16).allMatch(answer -> answer.equals(answers.get(0))).first().isInstanceOf(AccessToken.class);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void sessionsWaitingForARequestThatFailsShareItsFailure() throws Exception {
        server.delay(Duration.ofMillis(400)).answering(form -> new OAuthServer.Answer(500, "{\"error\":\"temporarily_unavailable\"}"));
        TokenEndpoint tokens = clientCredentials();
        List<Object> answers = together(16, tokens);
        assertThat(answers).hasSize(16).allMatch(answer -> answer instanceof TokenUnavailableException e
            && e.getMessage().contains("answered HTTP 500: temporarily_unavailable"));
        assertThat(server.requests()).hasSize(1);
    }

    /** What {@code sessions} threads calling current() at once got: a token, or the exception. */
    private static List<Object> together(int sessions, TokenEndpoint tokens) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(sessions);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Object>> pending = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                pending.add(threads.submit(() -> {
                    go.await();
                    try {
                        return tokens.current();
                    } catch (TokenUnavailableException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            List<Object> answers = new ArrayList<>();
            for (Future<Object> answer : pending) {
                answers.add(answer.get());
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anEndpointNothingListensOnIsATemporaryFailureNamingIt() throws Exception {
        URI dead = URI.create("http://127.0.0.1:" + LoopbackPorts.freePort() + "/token");
        TokenEndpoint tokens = new TokenEndpoint(new TokenGrant(dead, CLIENT, Optional.of(secretFile), Optional.empty(), Optional.empty()),
            Duration.ofSeconds(2), Duration.ofSeconds(2), clock::get);
        assertThatThrownBy(tokens::current).isInstanceOf(TokenUnavailableException.class)
            .hasMessageContaining("the token endpoint " + dead).hasMessageContaining("ConnectException");
    }

    @Test
    void aSlowEndpointIsBoundedByTheCommandTimeout() throws Exception {
        server.delay(Duration.ofSeconds(4));
        TokenEndpoint tokens = clientCredentials(Duration.ofMillis(500));
        long started = System.nanoTime();
        assertThatThrownBy(tokens::current).isInstanceOf(TokenUnavailableException.class)
            .hasMessageContaining("did not answer within 500ms (commandTimeout)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("gave up before the endpoint answered").isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void anErrorAnswerIsNamedWithoutWhatTheClientSent() throws Exception {
        server.answering(form -> new OAuthServer.Answer(401, "{\"error\":\"invalid_client\",\"error_description\":\"secret "
            + form.get("client_secret") + " is wrong\\r\\nX-Injected: 1\"}"));
        assertThatThrownBy(clientCredentials()::current).isInstanceOf(TokenUnavailableException.class)
            .hasMessageContaining("answered HTTP 401: invalid_client (secret <redacted> is wrong")
            .hasMessageNotContaining(SECRET).hasMessageNotContaining("\r").hasMessageNotContaining("\n");
    }

    @Test
    void whatNoTokenEndpointShouldAnswerIsRefused() throws Exception {
        Map<String, String> answers = Map.of(
            "x".repeat(1_000_000), "a reply longer than 65536 bytes",
            "[".repeat(32_000) + "]".repeat(32_000), "something other than a JSON object",
            "<html>sign in</html>", "something other than a JSON object",
            "{\"access_token\":\"abc\",\"token_type\":\"mac\"}", "type 'mac', not a bearer token",
            "{\"token_type\":\"Bearer\"}", "without an access_token",
            "{\"access_token\":\"has space\"}", "holds characters a bearer token cannot have",
            "{\"access_token\":42}", "without an access_token");
        for (Map.Entry<String, String> answer : answers.entrySet()) {
            server.answering(form -> new OAuthServer.Answer(200, answer.getKey()));
            assertThatThrownBy(clientCredentials()::current).as(answer.getValue()).isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining(answer.getValue());
        }
    }

    @Test
    void aRedirectIsNotFollowedSoTheSecretGoesNowhereElse() throws Exception {
        try (OAuthServer elsewhere = new OAuthServer(CLIENT, SECRET, "alice@example.com")) {
            server.answering(form -> new OAuthServer.Answer(307, ""));
            assertThatThrownBy(clientCredentials()::current).hasMessageContaining("answered HTTP 307");
            assertThat(elsewhere.requests()).isEmpty();
        }
    }

    @Test
    void aClientSecretFileThatWentAwayIsNamedNotRead() throws Exception {
        TokenEndpoint tokens = clientCredentials();
        Files.delete(secretFile);
        assertThatThrownBy(tokens::current).isInstanceOf(TokenUnavailableException.class)
            .hasMessageContaining("client secret file " + secretFile + " (oauthClientSecretFile)");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void theRefreshGrantWritesARotatedRefreshTokenBackAtomically() throws Exception {
        Path refreshFile = Files.writeString(dir.resolve("refresh-token"), "refresh-1\n");
        Files.setPosixFilePermissions(refreshFile, PosixFilePermissions.fromString("rw-------"));
        server.refreshToken("refresh-1", true);
        TokenEndpoint tokens = new TokenEndpoint(new TokenGrant(URI.create(server.tokenUrl()), CLIENT, Optional.empty(),
            Optional.empty(), Optional.of(refreshFile)), Duration.ofSeconds(2), Duration.ofSeconds(5), clock::get);

        AccessToken first = tokens.current();
        assertThat(server.requests()).containsExactly(Map.of("grant_type", "refresh_token", "refresh_token", "refresh-1", "client_id", CLIENT));
        String rotated = server.currentRefreshToken();
        assertThat(rotated).isNotEqualTo("refresh-1");
        assertThat(Files.readString(refreshFile)).isEqualTo(rotated + "\n");
        assertThat(Files.getPosixFilePermissions(refreshFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("client-secret", "refresh-token");
        }

        // the old refresh token is spent: the next request must send the rotated one
        tokens.refused(first);
        tokens.current();
        assertThat(server.requests().get(1)).containsEntry("refresh_token", rotated);
        assertThat(server.issued()).isEqualTo(2);

        // the operator puts a new one in the file: it is read, since the file changed
        server.refreshToken("refresh-from-operator", false);
        Files.writeString(refreshFile, "refresh-from-operator\n");
        Files.setLastModifiedTime(refreshFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        tokens.refused(tokens.current());
        tokens.current();
        assertThat(server.requests().get(2)).containsEntry("refresh_token", "refresh-from-operator");
        assertThat(Files.readString(refreshFile)).as("no rotation: the file is left as it is").isEqualTo("refresh-from-operator\n");
    }

    @Test
    void noSecretNorTokenReachesALogAtDebug() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = root.getLevel();
        root.setLevel(Level.DEBUG);
        root.addAppender(appender);
        List<String> lines = new ArrayList<>();
        List<String> secrets = new ArrayList<>(List.of(SECRET, "refresh-1"));
        try {
            Path refreshFile = Files.writeString(dir.resolve("refresh-token"), "refresh-1\n");
            server.refreshToken("refresh-1", true).lifetime(Duration.ofSeconds(400));
            TokenEndpoint tokens = new TokenEndpoint(new TokenGrant(URI.create(server.tokenUrl()), CLIENT, Optional.of(secretFile),
                Optional.empty(), Optional.of(refreshFile)), Duration.ofSeconds(2), Duration.ofSeconds(5), clock::get);
            secrets.add(tokens.current().value());
            secrets.add(server.currentRefreshToken());
            server.answering(form -> new OAuthServer.Answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\""
                + form.get("refresh_token") + " / " + form.get("client_secret") + "\"}"));
            advance(Duration.ofSeconds(350));
            secrets.add(tokens.current().value());
            advance(Duration.ofSeconds(100));
            try {
                tokens.current();
            } catch (TokenUnavailableException e) {
                lines.add(e.getMessage());
            }
        } finally {
            root.detachAppender(appender);
            root.setLevel(before);
            synchronized (appender) {
                appender.list.forEach(event -> lines.add(event.getFormattedMessage()));
            }
        }
        assertThat(lines).anyMatch(line -> line.contains("Got an access token from " + server.tokenUrl()))
            .anyMatch(line -> line.contains("Could not renew the access token"))
            .anyMatch(line -> line.contains("invalid_grant"));
        for (String secret : secrets) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }
}
