package org.remoteforward.sender;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Delivers messages to a fixed list of SMTP or LMTP endpoints and reports one outcome per
 * recipient. It knows nothing of James: callers give it an {@link Envelope} and a
 * {@link MessageSource} and act on the {@link DeliveryResult}, or drive a {@link Transaction}
 * step by step.
 *
 * <p>Safe for concurrent use: each transaction has a session of its own, new or reused from the
 * pool. Create one per configuration and {@link #close()} it when done; that QUITs idle sessions
 * and stops its threads: the watchdog's (deadlines; it never blocks) and the housekeeping one
 * (idle sessions; its I/O is bounded by the watchdog's deadlines).
 */
public final class DownstreamSender implements AutoCloseable {
    private final SenderSettings settings;
    private final Watchdog watchdog;
    private final Housekeeping housekeeping;
    private final SessionOpener opener;
    private final SessionPool pool;
    private final IdleClients idleClients;

    private DownstreamSender(SenderSettings settings, TlsClient tls, LongSupplier nanoClock, SessionOpener.HostResolver resolver) {
        this.settings = settings;
        this.watchdog = new Watchdog("remote-forward-timeouts");
        this.housekeeping = new Housekeeping("remote-forward-housekeeping");
        this.opener = new SessionOpener(settings, tls, watchdog, nanoClock, resolver);
        this.pool = new SessionPool(settings.connections(), opener, watchdog, housekeeping, nanoClock);
        this.idleClients = new IdleClients(housekeeping);
    }

    /**
     * Checks the settings that need loading (PEM files, TLS names) and returns a ready sender.
     *
     * @throws InvalidTlsSettingException naming the TLS setting at fault
     */
    public static DownstreamSender create(SenderSettings settings) throws InvalidTlsSettingException {
        return create(settings, System::nanoTime);
    }

    /** As {@link #create(SenderSettings)}, with the clock the pool and the endpoint back-off read (tests move it). */
    static DownstreamSender create(SenderSettings settings, LongSupplier nanoClock) throws InvalidTlsSettingException {
        return create(settings, nanoClock, InetAddress::getByName);
    }

    /** As {@link #create(SenderSettings, LongSupplier)}, with the host name lookup (tests make it slow). */
    static DownstreamSender create(SenderSettings settings, LongSupplier nanoClock, SessionOpener.HostResolver resolver)
        throws InvalidTlsSettingException {
        return new DownstreamSender(settings, TlsClient.create(settings.tls()), nanoClock, resolver);
    }

    /**
     * Delivers one message: a transaction with every recipient at once, then the message; when the
     * server takes fewer recipients a transaction than the envelope has (a 452 after some were
     * accepted, RFC 5321 4.5.3.1.10), further transactions at once for the rest. Never throws for
     * anything the servers, the network or the message can cause: every recipient comes back
     * delivered, or failed with the reason.
     */
    public DeliveryResult deliver(Envelope envelope, MessageSource message) {
        return deliver(envelope, message, Optional.empty());
    }

    /**
     * As {@link #deliver}, only if a session to the endpoint it would use waits idle now: for a
     * caller that must not connect or wait for a session in its thread (James's spool, {@code
     * inline idle}). Empty, with nothing sent, when there is none. Only the first transaction is
     * bound so: further ones, for recipients past the server's limit (a 452), take sessions as
     * {@code deliver} does; the session just released is normally the one they get.
     */
    public Optional<DeliveryResult> deliverIfIdle(Envelope envelope, MessageSource message) {
        return pool.acquireIdle(Authentication.identity(settings, envelope.credentials()))
            .map(idle -> deliver(envelope, message, Optional.of(idle)));
    }

    private DeliveryResult deliver(Envelope envelope, MessageSource message, Optional<SmtpSession> idle) {
        Map<String, RecipientResult> results = new LinkedHashMap<>();
        Optional<Endpoint> endpoint = Optional.empty();
        List<String> recipients = envelope.recipients();
        Optional<SmtpSession> first = idle;
        while (!recipients.isEmpty()) {
            MailFrom from = envelope.mailFrom();
            try (Transaction transaction = first.isPresent() ? Transaction.beginOn(first.get(), settings, pool, from, message)
                : Transaction.begin(settings, pool, from, Optional.of(message), Optional.empty())) {
                first = Optional.empty();
                transaction.recipients(recipients, true);
                transaction.message(message);
                DeliveryResult result = transaction.result();
                endpoint = endpoint.or(result::endpoint);
                result.recipients().forEach(recipient -> results.put(recipient.recipient(), recipient));
                // each round leaves some recipient behind (the server accepted one at least), so this ends
                recipients = transaction.overRecipientLimit();
            }
        }
        return new DeliveryResult(List.copyOf(results.values()), endpoint);
    }

    /**
     * Begins a transaction the caller drives step by step, for a caller that relays its own SMTP
     * client's commands as they come and answers it with the downstream's replies.
     *
     * @param from the client's sender, and what MAIL FROM passes on from the client: its credentials
     *     ({@code auth forward}), the client itself (XFORWARD), the size it declared, its DSN request
     * @param clientIdleLimit how long the client may say nothing while the transaction holds a
     *     session before the session goes back to serve others (the transaction then fails temporarily)
     */
    public Transaction begin(MailFrom from, Duration clientIdleLimit) {
        return Transaction.begin(settings, pool, from, Optional.empty(), Optional.of(new Transaction.ClientPace(clientIdleLimit, idleClients)));
    }

    /** How each endpoint stands now, in configured order: for a health check. */
    public List<EndpointState> endpointStates() {
        return opener.states();
    }

    /** Whether transactions authenticate as each message's own client ({@code auth forward}). */
    public boolean forwardsClientCredentials() {
        return settings.forwardsClientCredentials();
    }

    /** Idle sessions waiting in the pool, for tests that check nothing is left parked. */
    int idleSessions() {
        return pool.idleCount();
    }

    /**
     * Shuts down: idle sessions get QUIT (all within one quit timeout), transactions still running
     * get that long again to end by themselves and are then cut (their recipients fail temporarily,
     * so they are retried), and only then do the deadlines stop: nothing is left blocked on a server.
     */
    @Override
    public void close() {
        pool.close();
        opener.endLiveSessions(TimeoutKind.QUIT.of(settings.timeouts()));
        housekeeping.close();
        watchdog.close();
    }
}
