package org.remoteforward.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** James's WebAdmin on a loopback port, called as an operator's curl would. */
final class WebAdmin {
    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    WebAdmin(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path) throws Exception {
        return call("GET", path, null);
    }

    /** {@code method} on {@code path}, with {@code body} when not null. */
    HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
