package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * auth xoauth2 and oauthbearer against a server that checks tokens: Postfix with Dovecot's SASL,
 * Dovecot's {@code oauth2} passdb asking a token introspection endpoint (RFC 7662) that this test
 * runs, which knows which tokens are live. A live token delivers; a revoked one is refused, and the
 * mail waits, never bounced, until the token file holds a live one again.
 */
class OAuthDovecotTest {
    private static final String MESSAGE = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: oauth\r\n\r\nWith a bearer token.\r\n";

    @TempDir
    Path dir;

    /** The introspection endpoint: live tokens map to their user; every request counted. */
    private static final class Introspection implements AutoCloseable {
        final Map<String, String> live = new ConcurrentHashMap<>();
        final AtomicInteger asked = new AtomicInteger();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final HttpServer server;

        Introspection() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/introspect", exchange -> {
                asked.incrementAndGet();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String token = "";
                for (String pair : body.split("&")) {
                    if (pair.startsWith("token=")) {
                        token = URLDecoder.decode(pair.substring("token=".length()), StandardCharsets.UTF_8);
                    }
                }
                seen.add(token);
                String user = live.get(token);
                byte[] answer = (user == null ? "{\"active\":false}" : "{\"active\":true,\"username\":\"" + user + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/introspect";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
    }

    private static Map<String, String> forward(Postfix postfix, String mechanism, Path tokenFile) {
        return Map.ofEntries(Map.entry("targets", "tcp://127.0.0.1:" + postfix.smtpPort()), Map.entry("starttls", "no"),
            Map.entry("allowPlaintextCredentials", "yes"), Map.entry("auth", mechanism), Map.entry("authUsername", Dovecot.ALICE),
            Map.entry("oauthTokenFile", tokenFile.toString()), Map.entry("heloName", "relay.test"), Map.entry("delayTime", "1s"),
            // a session per message, so that each one authenticates (a pooled session stays authenticated)
            Map.entry("reuseConnections", "no"), Map.entry("maxRetries", "5"));
    }

    private void deliversWith(String mechanism) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "live-token-1\n");
        try (Introspection introspection = new Introspection();
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), introspection.url());
             Postfix postfix = Postfix.setup().requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(
                 CollectingMailet.collectingFailures(forward(postfix, mechanism, token)), CollectingMailet.XML))) {
            introspection.live.put("live-token-1", Dovecot.ALICE);
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));

            List<Path> delivered = postfix.awaitMessages(1);
            assertThat(delivered).as(postfix.log() + dovecot.log()).hasSize(1);
            assertThat(Files.readString(delivered.get(0))).contains("(Authenticated sender: " + Dovecot.ALICE + ")");
            assertThat(introspection.seen).contains("live-token-1");

            // revoked: refused, the file re-read and the same token refused again, so the mail waits, never bounced
            introspection.live.clear();
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (introspection.asked.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(introspection.asked.get()).as("the revoked token asked about twice").isGreaterThanOrEqualTo(3);
            assertThat(CollectingMailet.collected()).as("nothing bounced or failed for good").isEmpty();
            assertThat(postfix.awaitMessages(1)).hasSize(1);

            // the other tool writes a live token: the retry delivers with it
            introspection.live.put("live-token-2", Dovecot.ALICE);
            Files.writeString(token, "live-token-2");
            assertThat(postfix.awaitMessages(2)).as(postfix.log()).hasSize(2);
            assertThat(CollectingMailet.collected()).isEmpty();
        }
    }

    @Test
    void xoauth2() throws Exception {
        deliversWith("xoauth2");
    }

    @Test
    void oauthbearer() throws Exception {
        deliversWith("oauthbearer");
    }
}
