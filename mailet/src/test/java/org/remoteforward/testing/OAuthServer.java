package org.remoteforward.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OAuth 2.0 authorization server for tests: a token endpoint ({@code /token}, RFC 6749 4.4 and
 * 6, client_secret_post) that issues tokens with a lifetime, and a token introspection endpoint
 * ({@code /introspect}, RFC 7662) that Dovecot's oauth2 passdb asks, answering active only for a
 * token issued here (or {@link #accept accepted}), not revoked and not expired by the wall clock.
 * Every token request is kept; a test may make the endpoint slow or have it answer something else.
 */
public final class OAuthServer implements AutoCloseable {
    /** A token the test or the endpoint made live: whose it is, and until when (epoch millis). */
    private record Live(String user, long until) {
    }

    /** The token endpoint; introspection listens apart, so that the provider's token endpoint can be down on its own. */
    private volatile HttpServer server;
    private final HttpServer introspection;
    private final int port;
    private final Set<String> introspected = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inactive = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "oauth-server");
        thread.setDaemon(true);
        return thread;
    });
    private final String clientId;
    private final String clientSecret;
    private final String user;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private final List<String> issuedTokens = new CopyOnWriteArrayList<>();
    private final List<String> refreshTokens = new CopyOnWriteArrayList<>();
    private final AtomicInteger introspections = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofHours(1);
    private volatile Duration delay = Duration.ZERO;
    private volatile String refreshToken;
    private volatile boolean rotateRefreshToken;
    private volatile Function<Map<String, String>, Answer> override;

    /** An HTTP answer the test scripts: status, body. */
    public record Answer(int status, String body) {
    }

    /**
     * @param clientId the client it knows
     * @param clientSecret that client's secret
     * @param user who the tokens it issues are for (introspection's {@code username})
     */
    public OAuthServer(String clientId, String clientSecret, String user) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.user = user;
        server = listen(0, "/token");
        port = server.getAddress().getPort();
        introspection = listen(0, "/introspect");
    }

    private HttpServer listen(int onPort, String path) throws IOException {
        HttpServer listening = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        // several requests at once, so that a test can see whether they come one at a time
        listening.setExecutor(executor);
        listening.createContext(path, path.equals("/token") ? this::token : this::introspect);
        listening.start();
        return listening;
    }

    /** The token endpoint is down: nothing listens on its port until {@link #up}; introspection goes on. */
    public void down() {
        server.stop(0);
    }

    /** Back on the same port, knowing what it knew. */
    public void up() throws IOException {
        server = listen(port, "/token");
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + port + "/token";
    }

    public String introspectionUrl() {
        return "http://127.0.0.1:" + introspection.getAddress().getPort() + "/introspect";
    }

    /** Tokens issued from now on live this long (expires_in says so, introspection holds to it). */
    public OAuthServer lifetime(Duration value) {
        lifetime = value;
        return this;
    }

    /** Each token request waits this long before its answer. */
    public OAuthServer delay(Duration value) {
        delay = value;
        return this;
    }

    /** Takes the refresh token grant with this refresh token; with {@code rotate}, each answer carries a new one. */
    public OAuthServer refreshToken(String value, boolean rotate) {
        refreshToken = value;
        refreshTokens.add(value);
        rotateRefreshToken = rotate;
        return this;
    }

    /** Token requests get this answer instead, while it gives one (null: the usual answer). */
    public OAuthServer answering(Function<Map<String, String>, Answer> answer) {
        override = answer;
        return this;
    }

    /** Makes a token live for {@code tokenUser} without the endpoint issuing it. */
    public void accept(String token, String tokenUser) {
        live.put(token, new Live(tokenUser, Long.MAX_VALUE));
    }

    /** The provider revokes a token: introspection answers inactive for it from now on. */
    public void revoke(String token) {
        live.remove(token);
    }

    public void revokeAll() {
        live.clear();
    }

    /** Every token request's form, in order. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    /** Every access token the endpoint issued, and every refresh token it took or handed out: what no log may show. */
    public List<String> secretsHandedOut() {
        List<String> all = new java.util.ArrayList<>(issuedTokens);
        all.addAll(refreshTokens);
        all.add(clientSecret);
        return all;
    }

    /** How many tokens the endpoint issued. */
    public int issued() {
        return issued.get();
    }

    /** Every token introspection was asked about. */
    public Set<String> introspected() {
        return Set.copyOf(introspected);
    }

    /** How many times introspection answered inactive: a token the downstream then refused. */
    public int inactiveAnswers() {
        return inactive.get();
    }

    /** How many times introspection was asked. */
    public int introspections() {
        return introspections.get();
    }

    /** The current refresh token (the newest after a rotation). */
    public String currentRefreshToken() {
        return refreshToken;
    }

    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange);
        requests.add(form);
        sleep(delay);
        Function<Map<String, String>, Answer> scripted = override;
        Answer answer = scripted == null ? null : scripted.apply(form);
        if (answer == null) {
            answer = issue(form);
        }
        respond(exchange, answer);
    }

    private synchronized Answer issue(Map<String, String> form) {
        if (!clientId.equals(form.get("client_id"))) {
            return new Answer(400, "{\"error\":\"invalid_client\",\"error_description\":\"unknown client\"}");
        }
        String rotated = "";
        if ("refresh_token".equals(form.get("grant_type"))) {
            if (refreshToken == null || !refreshToken.equals(form.get("refresh_token"))) {
                return new Answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token unknown or used\"}");
            }
            if (form.containsKey("client_secret") && !clientSecret.equals(form.get("client_secret"))) {
                return new Answer(401, "{\"error\":\"invalid_client\"}");
            }
            if (rotateRefreshToken) {
                refreshToken = "refresh-" + (issued.get() + 2) + "-" + Long.toHexString(System.nanoTime());
                refreshTokens.add(refreshToken);
                rotated = ",\"refresh_token\":\"" + refreshToken + "\"";
            }
        } else if (!"client_credentials".equals(form.get("grant_type"))) {
            return new Answer(400, "{\"error\":\"unsupported_grant_type\"}");
        } else if (!clientSecret.equals(form.get("client_secret"))) {
            return new Answer(401, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}");
        }
        String token = "at-" + issued.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        issuedTokens.add(token);
        Duration life = lifetime;
        live.put(token, new Live(user, System.currentTimeMillis() + life.toMillis()));
        return new Answer(200, "{\"token_type\":\"Bearer\",\"access_token\":\"" + token + "\",\"expires_in\":" + life.toSeconds() + rotated + "}");
    }

    private void introspect(HttpExchange exchange) throws IOException {
        introspections.incrementAndGet();
        String token = form(exchange).getOrDefault("token", "");
        introspected.add(token);
        Live entry = live.get(token);
        boolean active = entry != null && System.currentTimeMillis() < entry.until();
        if (!active) {
            inactive.incrementAndGet();
        }
        respond(exchange, new Answer(200, active ? "{\"active\":true,\"username\":\"" + entry.user() + "\"}" : "{\"active\":false}"));
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void respond(HttpExchange exchange, Answer answer) throws IOException {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException e) {
            // the client gave up (a timeout under test): nothing to answer
        } finally {
            exchange.close();
        }
    }

    private static void sleep(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        introspection.stop(0);
        executor.shutdownNow();
    }
}
