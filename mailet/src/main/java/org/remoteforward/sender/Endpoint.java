package org.remoteforward.sender;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * One downstream server address: {@code tcp://host:port}, {@code tls://host:port} (implicit TLS)
 * or {@code unix:///path/to/socket}.
 *
 * @param scheme how to reach it
 * @param host host name or IP literal; empty for unix sockets
 * @param port TCP port; 0 for unix sockets
 * @param socketPath the socket file for unix sockets; null otherwise
 */
public record Endpoint(Scheme scheme, String host, int port, Path socketPath) {

    /** How an endpoint is reached. */
    public enum Scheme {
        /** Plain TCP; STARTTLS may upgrade it. */
        TCP,
        /** TLS from the first byte (SMTPS / LMTPS). */
        TLS,
        /** A Unix domain socket; never encrypted, protected by file permissions. */
        UNIX
    }

    public Endpoint {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses an endpoint written as a URI.
     *
     * @throws IllegalArgumentException with a message that quotes the input and says what is wrong
     */
    public static Endpoint parse(String text) {
        return parse(text, null);
    }

    /**
     * As {@link #parse(String)}, and a relative socket path ({@code unix://relative.sock},
     * {@code unix://run/lmtp}: two slashes, not three) resolved against {@code base}, as maddy
     * resolves it against its runtime directory.
     */
    public static Endpoint parse(String text, Path base) {
        String value = text.trim();
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not an endpoint URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "tcp":
                return network(Scheme.TCP, uri, text);
            case "tls":
                return network(Scheme.TLS, uri, text);
            case "unix":
                String path = uri.getPath() == null ? "" : uri.getPath();
                String authority = authority(uri);
                if (!authority.isEmpty() && base != null) {
                    return new Endpoint(Scheme.UNIX, "", 0, base.resolve(authority + path).normalize());
                }
                if (path.isEmpty() || !authority.isEmpty()) {
                    throw new IllegalArgumentException("'" + text + "' must name an absolute socket path, as unix:///run/dovecot/lmtp");
                }
                return new Endpoint(Scheme.UNIX, "", 0, Path.of(path));
            default:
                throw new IllegalArgumentException("'" + text + "' has no supported scheme: use tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH");
        }
    }

    /** Whether {@code text} names a unix socket by a relative path: where an absolute one has no authority, it has one. */
    public static boolean isRelativeUnix(String text) {
        try {
            URI uri = new URI(text.trim());
            return "unix".equalsIgnoreCase(uri.getScheme()) && !authority(uri).isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String authority(URI uri) {
        return uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    }

    private static Endpoint network(Scheme scheme, URI uri, String text) {
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host: write " + scheme.name().toLowerCase(Locale.ROOT) + "://HOST:PORT");
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("'" + text + "' needs a port from 1 to 65535");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + text + "' must be only " + scheme.name().toLowerCase(Locale.ROOT) + "://HOST:PORT");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Endpoint(scheme, host, uri.getPort(), null);
    }

    /** The host name that TLS certificates are checked against and SNI names. */
    public String tlsHost() {
        return host;
    }

    @Override
    public String toString() {
        return switch (scheme) {
            case UNIX -> "unix://" + socketPath;
            case TCP -> "tcp://" + hostPort();
            case TLS -> "tls://" + hostPort();
        };
    }

    private String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
