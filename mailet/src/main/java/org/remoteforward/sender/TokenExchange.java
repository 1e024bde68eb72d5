package org.remoteforward.sender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One token request (RFC 6749 4.4 or 6) and its reply, bounded in time (connecting by {@code
 * connectTimeout}, the whole reply by {@code commandTimeout}) and in size. The client
 * authenticates in the form body ({@code client_secret_post}), which Microsoft's and Google's
 * endpoints take. Every failure is a {@link TokenUnavailableException} that names the endpoint and
 * what went wrong, never the secret, the refresh token or the access token.
 */
final class TokenExchange {
    static final long MAX_REPLY_BYTES = 64 * 1024;
    private static final int MAX_ERROR_CHARS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the endpoint gave: the token, how long it lives if it said, and a rotated refresh token if it sent one. */
    record Issued(AccessToken token, Optional<Duration> lifetime, Optional<String> refreshToken) {
    }

    private final TokenGrant grant;
    private final Duration connectTimeout;
    private final Duration replyTimeout;
    private volatile HttpClient client;

    TokenExchange(TokenGrant grant, Duration connectTimeout, Duration replyTimeout) {
        this.grant = grant;
        this.connectTimeout = connectTimeout;
        this.replyTimeout = replyTimeout;
    }

    /** Asks for a token, with the refresh token given for the refresh token grant (null for client credentials). */
    Issued request(String refreshToken) throws TokenUnavailableException {
        String where = "the token endpoint " + grant.endpointForMessages();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", grant.grantType());
        if (refreshToken != null) {
            form.put("refresh_token", refreshToken);
        }
        form.put("client_id", grant.clientId());
        List<String> secrets = new ArrayList<>();
        if (refreshToken != null) {
            secrets.add(refreshToken);
        }
        if (grant.clientSecretFile().isPresent()) {
            String secret = SecretFiles.read(grant.clientSecretFile().get(), "client secret", "oauthClientSecretFile");
            form.put("client_secret", secret);
            secrets.add(secret);
        }
        grant.scope().ifPresent(scope -> form.put("scope", scope));
        HttpRequest request = HttpRequest.newBuilder(grant.endpoint())
            .timeout(replyTimeout)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"))))
            .build();
        HttpResponse<byte[]> response = send(request, where);
        JsonNode reply = parse(response.body());
        if (response.statusCode() != 200) {
            throw new TokenUnavailableException(where + " answered HTTP " + response.statusCode() + errorOf(reply, secrets));
        }
        if (reply == null || !reply.isObject()) {
            throw new TokenUnavailableException(where + " answered HTTP 200 with something other than a JSON object");
        }
        JsonNode type = reply.get("token_type");
        if (type != null && !type.asText().equalsIgnoreCase("bearer")) {
            throw new TokenUnavailableException(where + " gave a token of type '" + PrintableText.line(type.asText(), 40)
                + "', not a bearer token");
        }
        JsonNode value = reply.get("access_token");
        if (value == null || !value.isTextual()) {
            throw new TokenUnavailableException(where + " answered HTTP 200 without an access_token");
        }
        AccessToken token;
        try {
            token = new AccessToken(value.asText(), grant.endpointForMessages());
        } catch (IllegalArgumentException e) {
            throw new TokenUnavailableException(e.getMessage());
        }
        JsonNode rotated = reply.get("refresh_token");
        return new Issued(token, lifetime(reply.get("expires_in")),
            refreshToken != null && rotated != null && rotated.isTextual() && AccessToken.isTokenText(rotated.asText())
                ? Optional.of(rotated.asText()) : Optional.empty());
    }

    private HttpResponse<byte[]> send(HttpRequest request, String where) throws TokenUnavailableException {
        CompletableFuture<HttpResponse<byte[]>> pending = client().sendAsync(request, BoundedBody.handler(MAX_REPLY_BYTES));
        try {
            // the request's own timeout ends with the reply's headers; this bounds the body too
            return pending.get(connectTimeout.plus(replyTimeout).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new TokenUnavailableException(where + " did not answer within " + Durations.describe(connectTimeout.plus(replyTimeout)));
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new TokenUnavailableException("interrupted while asking " + where + " for an access token");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String why;
            if (cause instanceof HttpConnectTimeoutException) {
                why = " could not be reached within " + Durations.describe(connectTimeout) + " (connectTimeout)";
            } else if (cause instanceof HttpTimeoutException) {
                why = " did not answer within " + Durations.describe(replyTimeout) + " (commandTimeout)";
            } else if (cause instanceof BoundedBody.TooLargeException) {
                why = " sent a reply longer than " + MAX_REPLY_BYTES + " bytes";
            } else {
                why = " could not be asked: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + PrintableText.line(cause.getMessage(), MAX_ERROR_CHARS));
            }
            throw new TokenUnavailableException(where + why);
        }
    }

    private HttpClient client() {
        HttpClient current = client;
        if (current == null) {
            synchronized (this) {
                if (client == null) {
                    // never redirected: a redirect would carry the secret to wherever the endpoint says
                    client = HttpClient.newBuilder()
                        .connectTimeout(connectTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                }
                current = client;
            }
        }
        return current;
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            // not JSON (a proxy's HTML page, a truncated reply): the caller says what was expected
            return null;
        }
    }

    /** RFC 6749 5.2's error and error_description, cleaned, bounded, and without anything this client sent. */
    private static String errorOf(JsonNode reply, List<String> secrets) {
        if (reply == null || !reply.isObject() || reply.get("error") == null) {
            return "";
        }
        String text = reply.get("error").asText()
            + (reply.get("error_description") == null ? "" : " (" + reply.get("error_description").asText() + ")");
        for (String secret : secrets) {
            text = text.replace(secret, "<redacted>");
        }
        return ": " + PrintableText.line(text, MAX_ERROR_CHARS);
    }

    /** expires_in: seconds, as a number or (some endpoints) a string of digits. */
    private static Optional<Duration> lifetime(JsonNode expiresIn) {
        if (expiresIn == null) {
            return Optional.empty();
        }
        String digits = expiresIn.asText().strip();
        if (!digits.matches("[0-9]{1,9}")) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(digits)));
    }

    @Override
    public String toString() {
        return grant.grantType().toLowerCase(Locale.ROOT) + " grant at " + grant.endpointForMessages();
    }
}
