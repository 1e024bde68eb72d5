package org.remoteforward.sender;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
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
    /** An IPv4 dotted quad or an IPv6 address (only those have a colon): nothing to look up. */
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\\]?");
    /** Name lookups, each on a daemon thread of its own, shared by every sender of the JVM; idle threads go after a minute. */
    private static final ExecutorService LOOKUPS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "remote-forward-dns");
        thread.setDaemon(true);
        return thread;
    });

    private final SenderSettings settings;
    private final TlsClient tls;
    private final Watchdog watchdog;
    private final LongSupplier nanoClock;
    private final HostResolver resolver;
    private final Map<Endpoint, Long> failedUntilNanos = new ConcurrentHashMap<>();
    /** Each endpoint whose last attempt failed: since when it has failed, and why last; for health checks. */
    private final Map<Endpoint, Failing> failing = new ConcurrentHashMap<>();
    /**
     * Each endpoint that refused the operator's own credentials at its last AUTH: it opens
     * sessions, but every mail fails there (535) or waits (454), so for health it is failing. Apart
     * from {@link #failing}, which a session that opens clears, since opening works.
     */
    private final Map<Endpoint, Failing> refusingAuth = new ConcurrentHashMap<>();
    private final Map<Endpoint, Semaphore> openSessions = new ConcurrentHashMap<>();
    /** {@code maxMessagesPerMinute}, per endpoint: a transaction takes a slot with its session, in the pool or here. */
    private final SendRate rate;
    /** Every session open now, idle or busy: what a sender shutting down must end. */
    private final Set<SmtpSession> live = ConcurrentHashMap.newKeySet();

    /** Looks a host name up; the system resolver in production, which no socket timeout bounds. */
    @FunctionalInterface
    interface HostResolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    SessionOpener(SenderSettings settings, TlsClient tls, Watchdog watchdog, LongSupplier nanoClock, HostResolver resolver) {
        this.settings = settings;
        this.tls = tls;
        this.watchdog = watchdog;
        this.nanoClock = nanoClock;
        this.resolver = resolver;
        this.rate = new SendRate(settings.limits().messagesPerMinute());
        for (Endpoint endpoint : settings.endpoints()) {
            openSessions.put(endpoint, new Semaphore(settings.connections().maxPerEndpoint()));
        }
    }

    private record Failing(Instant since, String why) {
    }

    /** How each endpoint stands, in configured order. */
    List<EndpointState> states() {
        List<EndpointState> states = new ArrayList<>();
        for (Endpoint endpoint : settings.endpoints()) {
            Optional<Failing> failed = Optional.ofNullable(failing.get(endpoint)).or(() -> Optional.ofNullable(refusingAuth.get(endpoint)));
            states.add(new EndpointState(endpoint, failed.map(Failing::since), failed.map(Failing::why), backingOff(endpoint)));
        }
        return states;
    }

    /**
     * What the endpoint answered the relay's own credentials (auth plain, login, external, an
     * access token): a refusal, or no access token to present, makes it failing for health until
     * an AUTH there succeeds. A client's own credentials
     * (auth forward) say nothing of the endpoint: one client's wrong password is not an outage.
     */
    void authAnswered(Endpoint endpoint, Optional<String> unusableBecause) {
        if (!settings.auth().usesConfiguredCredentials() && settings.auth() != AuthMode.EXTERNAL && !settings.auth().usesAccessToken()) {
            return;
        }
        if (unusableBecause.isEmpty()) {
            refusingAuth.remove(endpoint);
            return;
        }
        String why = PrintableText.line(unusableBecause.get());
        refusingAuth.merge(endpoint, new Failing(Instant.now(), why), (earlier, now) -> new Failing(earlier.since(), now.why()));
    }

    /** Whether the endpoint failed within its back-off: it is tried after the others until then. */
    boolean backingOff(Endpoint endpoint) {
        Long until = failedUntilNanos.get(endpoint);
        return until != null && until - nanoClock.getAsLong() > 0;
    }

    /**
     * Takes a {@code maxMessagesPerMinute} slot of {@code endpoint} for a transaction about to get
     * a session there; false when its minute is full, and the endpoint is passed over as if it
     * could not be used. A slot taken for a session that then cannot be had goes back ({@link #giveBackSlot}).
     */
    boolean takeSlot(Endpoint endpoint) {
        // without a limit, every message's acquire passes here: no clock read
        return !rate.limited() || rate.tryTake(endpoint, nanoClock.getAsLong());
    }

    void giveBackSlot(Endpoint endpoint) {
        if (rate.limited()) {
            rate.giveBack(endpoint, nanoClock.getAsLong());
        }
    }

    /** Why an endpoint is passed over for its rate, for the failure that names each endpoint's reason. */
    String overRate(Endpoint endpoint) {
        return "at its limit of " + rate.perMinute() + (rate.perMinute() == 1 ? " message" : " messages")
            + " a minute from this node (maxMessagesPerMinute), a slot free in "
            + Durations.describe(rate.untilFree(endpoint, nanoClock.getAsLong()).plusMillis(999).truncatedTo(ChronoUnit.SECONDS));
    }

    /** How soon one of {@code endpoints} at its rate limit has a slot; empty when none of them is at it. */
    private Optional<Duration> soonestSlot(List<Endpoint> endpoints) {
        long now = nanoClock.getAsLong();
        return endpoints.stream().map(endpoint -> rate.untilFree(endpoint, now)).filter(wait -> !wait.isZero()).min(Duration::compareTo);
    }

    /** The endpoints in the order to try them now: those that are not backing off first, each group in configured order. */
    List<Endpoint> order() {
        List<Endpoint> healthy = new ArrayList<>();
        List<Endpoint> failedLately = new ArrayList<>();
        for (Endpoint endpoint : settings.endpoints()) {
            (backingOff(endpoint) ? failedLately : healthy).add(endpoint);
        }
        healthy.addAll(failedLately);
        return healthy;
    }

    /**
     * A new session to the first endpoint, in {@link #order}, that can give one. An endpoint whose
     * {@code maxConnections} sessions are all in use is waited for, all endpoints together no
     * longer than {@code connectionWaitTimeout}; being busy is no failure, so it earns no back-off.
     */
    SmtpSession open() throws NoEndpointAvailableException {
        return open(Map.of(), Set.of(), true);
    }

    /**
     * As {@link #open()}, past the endpoints that already failed in this acquisition (each with why,
     * which the failure names with the others') and those the caller passes over (tried already
     * in this attempt: {@code failover temporary}); without waiting for a busy endpoint's session
     * unless {@code mayWait}.
     */
    SmtpSession open(Map<Endpoint, String> failed, Set<Endpoint> passOver, boolean mayWait) throws NoEndpointAvailableException {
        List<String> reasons = new ArrayList<>();
        failed.forEach((endpoint, reason) -> reasons.add(endpoint + ": " + reason));
        boolean busy = false;
        long waitUntil = System.nanoTime() + (mayWait ? settings.connections().waitTimeout().toNanos() : 0);
        List<Endpoint> usable = new ArrayList<>();
        for (Endpoint endpoint : order()) {
            if (passOver.contains(endpoint)) {
                continue;
            }
            usable.add(endpoint);
            if (failed.containsKey(endpoint)) {
                continue;
            }
            if (!takeSlot(endpoint)) {
                reasons.add(endpoint + ": " + overRate(endpoint));
                continue;
            }
            Semaphore permits = openSessions.get(endpoint);
            try {
                if (!permits.tryAcquire(Math.max(0, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    giveBackSlot(endpoint);
                    busy = true;
                    reasons.add(endpoint + ": all " + settings.connections().maxPerEndpoint() + " sessions in use (maxConnections)"
                        + (mayWait ? ", none freed within " + Durations.describe(settings.connections().waitTimeout()) + " (connectionWaitTimeout)"
                            : "; a client's transaction does not wait for one, which would hold a James SMTP thread"));
                    continue;
                }
            } catch (InterruptedException e) {
                giveBackSlot(endpoint);
                Thread.currentThread().interrupt();
                reasons.add(endpoint + ": interrupted while waiting for a free session");
                break;
            }
            Attempt attempt = openOn(endpoint, permits);
            if (attempt.session().isPresent()) {
                return attempt.session().get();
            }
            giveBackSlot(endpoint);
            reasons.add(endpoint + ": " + attempt.failure().orElseThrow());
        }
        // an endpoint at its rate limit would serve within a minute: the mail waits its turn, which is no failed attempt
        throw new NoEndpointAvailableException("no endpoint could be used: " + String.join("; ", reasons), busy, soonestSlot(usable));
    }

    /** What {@link #openNow} came to: a session, or why the endpoint failed; neither when all its sessions are in use. */
    record Attempt(Optional<SmtpSession> session, Optional<String> failure) {
    }

    /**
     * A new session to this endpoint if one may be opened now, without waiting for a free one: no
     * session when all {@code maxConnections} are in use, or when it cannot be opened (the endpoint
     * then backs off, as in {@link #open}, and the attempt says why).
     */
    Attempt openNow(Endpoint endpoint) {
        Semaphore permits = openSessions.get(endpoint);
        if (!permits.tryAcquire()) {
            return new Attempt(Optional.empty(), Optional.empty());
        }
        return openOn(endpoint, permits);
    }

    /** A session on a permit already taken: opened, its endpoint's back-off over; or why not, and the endpoint backs off. */
    private Attempt openOn(Endpoint endpoint, Semaphore permits) {
        try {
            SmtpSession session = openOne(endpoint, permits);
            failedUntilNanos.remove(endpoint);
            failing.remove(endpoint);
            return new Attempt(Optional.of(session), Optional.empty());
        } catch (IOException | RuntimeException e) {
            long backoff = settings.connections().endpointBackoff().toNanos();
            if (backoff > 0) {
                failedUntilNanos.put(endpoint, nanoClock.getAsLong() + backoff);
            }
            String why = describe(e);
            failing.merge(endpoint, new Failing(Instant.now(), why), (earlier, now) -> new Failing(earlier.since(), now.why()));
            return new Attempt(Optional.empty(), Optional.of(why));
        }
    }

    /** Opens a session on a permit already taken; the permit goes back when the session closes, or now if it cannot be opened. */
    private SmtpSession openOne(Endpoint endpoint, Semaphore permits) throws IOException {
        SmtpSession session;
        try {
            session = new SmtpSession(endpoint, dial(endpoint), settings.timeouts(), watchdog,
                new DialogueLog(settings.dialogue(), endpoint), nanoClock.getAsLong());
        } catch (IOException | RuntimeException e) {
            permits.release();
            throw e;
        }
        live.add(session);
        SmtpSession opened = session;
        session.onClose(() -> {
            live.remove(opened);
            permits.release();
        });
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
            case LOGIN -> "LOGIN";
            case EXTERNAL -> "EXTERNAL";
            case XOAUTH2 -> "XOAUTH2";
            case OAUTHBEARER -> "OAUTHBEARER";
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
        Duration connectTimeout = settings.timeouts().connect();
        long connectBy = System.nanoTime() + connectTimeout.toNanos();
        InetAddress address = resolve(endpoint.host(), connectTimeout);
        Socket socket = new Socket();
        try {
            // the connect timeout bounds looking the name up and connecting together
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(connectBy - System.nanoTime()));
            try {
                socket.connect(new InetSocketAddress(address, endpoint.port()), (int) Math.min(Integer.MAX_VALUE, left));
            } catch (SocketTimeoutException e) {
                throw new StepTimeoutException(TimeoutKind.CONNECT, connectTimeout, "while connecting");
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

    /**
     * The host's address, looked up on a thread of its own so that the connect timeout bounds the
     * caller even when the name server does not answer (the lookup itself cannot be interrupted;
     * it ends in the background).
     */
    private InetAddress resolve(String host, Duration limit) throws IOException {
        if (IP_LITERAL.matcher(host).matches()) {
            // an address needs no name server: read as it is, here
            return InetAddress.getByName(host);
        }
        Future<InetAddress> lookup = LOOKUPS.submit(() -> resolver.resolve(host));
        try {
            return lookup.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw new StepTimeoutException(TimeoutKind.CONNECT, limit, "while looking up " + host);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException failure) {
                throw failure;
            }
            throw new IOException("looking up " + host + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking up " + host, e);
        }
    }

    /**
     * Ends every session still open once {@code grace} has passed without their transactions
     * ending by themselves: a sender shutting down leaves no thread blocked on a server, and the
     * recipients of a transaction cut this way are failed temporarily (retried), never lost.
     */
    void endLiveSessions(Duration grace) {
        long until = System.nanoTime() + grace.toNanos();
        try {
            while (!live.isEmpty() && until - System.nanoTime() > 0) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        live.forEach(SmtpSession::abort);
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
        // an exception's message may quote what a server sent: kept for logs, DSNs and health, so bounded and one line
        return PrintableText.line(message);
    }
}
