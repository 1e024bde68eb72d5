package org.remoteforward.sender;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Walks the endpoint list in order and returns the first session that is ready for a
 * transaction: connected, greeted, upgraded with STARTTLS when required, and advertising the
 * AUTH mechanism the configuration needs. A failure at any of those steps moves on to the next
 * endpoint; when none is left, the reason of each is reported.
 *
 * <p>An endpoint that just failed is remembered for {@code endpointBackoff} and tried after the
 * others, so a dead first target costs one failed connection, not one per message. No more than
 * {@code maxPerEndpoint} sessions are open to an endpoint at once.
 */
final class SessionOpener {
    private final SenderSettings settings;
    private final TlsClient tls;
    private final Watchdog watchdog;
    private final LongSupplier nanoClock;
    private final Map<Endpoint, Long> failedUntilNanos = new ConcurrentHashMap<>();
    private final Map<Endpoint, Semaphore> openSessions = new ConcurrentHashMap<>();

    SessionOpener(SenderSettings settings, TlsClient tls, Watchdog watchdog, LongSupplier nanoClock) {
        this.settings = settings;
        this.tls = tls;
        this.watchdog = watchdog;
        this.nanoClock = nanoClock;
        for (Endpoint endpoint : settings.endpoints()) {
            openSessions.put(endpoint, new Semaphore(settings.connections().maxPerEndpoint()));
        }
    }

    /** The endpoints in the order to try them now: those that have not failed lately first, each group in configured order. */
    List<Endpoint> order() {
        long now = nanoClock.getAsLong();
        List<Endpoint> healthy = new ArrayList<>();
        List<Endpoint> failedLately = new ArrayList<>();
        for (Endpoint endpoint : settings.endpoints()) {
            Long until = failedUntilNanos.get(endpoint);
            (until != null && until - now > 0 ? failedLately : healthy).add(endpoint);
        }
        healthy.addAll(failedLately);
        return healthy;
    }

    SmtpSession open() throws NoEndpointAvailableException {
        List<String> reasons = new ArrayList<>();
        for (Endpoint endpoint : order()) {
            try {
                SmtpSession session = openOne(endpoint);
                failedUntilNanos.remove(endpoint);
                return session;
            } catch (IOException | RuntimeException e) {
                reasons.add(endpoint + ": " + describe(e));
                long backoff = settings.connections().endpointBackoff().toNanos();
                if (backoff > 0) {
                    failedUntilNanos.put(endpoint, nanoClock.getAsLong() + backoff);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reasons.add(endpoint + ": interrupted while waiting for a free session");
                break;
            }
        }
        throw new NoEndpointAvailableException("no endpoint could be used: " + String.join("; ", reasons));
    }

    private SmtpSession openOne(Endpoint endpoint) throws IOException, InterruptedException {
        Semaphore permits = openSessions.get(endpoint);
        if (!permits.tryAcquire(settings.timeouts().connect().toMillis(), TimeUnit.MILLISECONDS)) {
            throw new SessionSetupException("already has " + settings.connections().maxPerEndpoint()
                + " sessions open (maxConnections), none freed within the connect timeout");
        }
        SmtpSession session;
        try {
            session = new SmtpSession(endpoint, dial(endpoint), settings.timeouts(), watchdog,
                new DialogueLog(settings.dialogue(), endpoint), nanoClock.getAsLong());
        } catch (IOException | RuntimeException e) {
            permits.release();
            throw e;
        }
        session.onClose(permits::release);
        try {
            Reply greeting = session.greeting();
            if (!greeting.isPositive()) {
                throw new SessionSetupException("greeted with " + greeting);
            }
            if (endpoint.scheme() == Endpoint.Scheme.TCP && settings.starttls()) {
                // the real name is only given once the channel is private
                session.hello(settings.protocol(), "localhost");
                if (!session.capabilities().has("STARTTLS")) {
                    throw new SessionSetupException("does not advertise STARTTLS, which is required (starttls)");
                }
                session.startTls(tls);
            }
            session.hello(settings.protocol(), settings.heloName());
            String mechanism = mechanism(settings.auth());
            if (mechanism != null && !session.capabilities().supportsAuth(mechanism)) {
                throw new SessionSetupException(session.capabilities().has("AUTH")
                    ? "does not offer AUTH " + mechanism + " (offers " + String.join(" ", session.capabilities().authMechanisms()) + ")"
                    : "does not advertise AUTH, which auth " + settings.auth().name().toLowerCase(Locale.ROOT) + " needs");
            }
            return session;
        } catch (IOException | RuntimeException e) {
            session.finish();
            throw e;
        }
    }

    static String mechanism(AuthMode mode) {
        return switch (mode) {
            case OFF -> null;
            case PLAIN, FORWARD -> "PLAIN";
            case EXTERNAL -> "EXTERNAL";
        };
    }

    private Transport dial(Endpoint endpoint) throws IOException {
        if (endpoint.scheme() == Endpoint.Scheme.UNIX) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(endpoint.socketPath()));
                return new UnixSocketTransport(channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        Socket socket = new Socket();
        try {
            int connectMillis = (int) Math.min(Integer.MAX_VALUE, settings.timeouts().connect().toMillis());
            try {
                socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), connectMillis);
            } catch (SocketTimeoutException e) {
                throw new StepTimeoutException(TimeoutKind.CONNECT, settings.timeouts().connect(), "while connecting");
            }
            socket.setTcpNoDelay(true);
            if (endpoint.scheme() == Endpoint.Scheme.TCP) {
                return new SocketTransport(socket, socket);
            }
            SSLSocket tlsSocket = tls.wrap(socket, endpoint);
            Watchdog.Deadline deadline = watchdog.arm(settings.timeouts().connect(), () -> closeQuietly(socket));
            try {
                tlsSocket.startHandshake();
            } catch (IOException e) {
                if (deadline.expired()) {
                    throw new StepTimeoutException(TimeoutKind.CONNECT, settings.timeouts().connect(), "during the TLS handshake");
                }
                throw e;
            } finally {
                deadline.close();
            }
            return new SocketTransport(socket, tlsSocket);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more can be done with a socket that will not close
        }
    }

    /** A reason fit for an operator: the message, and for TLS failures the root cause that says why. */
    static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        if (failure instanceof SSLException) {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String rootMessage = root.getMessage();
            message = "TLS failed: " + message + (root != failure && rootMessage != null && !message.contains(rootMessage) ? " (" + rootMessage + ")" : "");
        } else if (failure instanceof java.net.ConnectException) {
            message = "cannot connect: " + message;
        } else if (failure instanceof java.net.UnknownHostException) {
            message = "unknown host " + message;
        }
        return message;
    }
}
