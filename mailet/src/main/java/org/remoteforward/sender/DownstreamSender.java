package org.remoteforward.sender;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOGGER = LoggerFactory.getLogger(DownstreamSender.class);
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
     * accepted, RFC 5321 4.5.3.1.10, or past {@code maxRecipientsPerMessage}), further transactions
     * at once for the rest. With {@code
     * failover temporary}, the recipients a target answers with 4xx go at once to the targets not
     * tried yet ({@link FailoverTrail}). Never throws for anything the servers, the network or the
     * message can cause: every recipient comes back delivered, or failed with the reason.
     */
    public DeliveryResult deliver(Envelope envelope, MessageSource message) {
        return deliver(envelope, message, Optional.empty());
    }

    /**
     * As {@link #deliver}, only if a session to the endpoint it would use waits idle now: for a
     * caller that must not connect or wait for a session in its thread (James's spool, {@code
     * inline idle}). Empty, with nothing sent, when there is none. Only the first transaction is
     * bound so: further ones, for recipients past the server's limit (a 452) or failing over on a
     * 4xx ({@code failover temporary}), take sessions as {@code deliver} does; for the former the
     * session just released is normally the one they get.
     */
    public Optional<DeliveryResult> deliverIfIdle(Envelope envelope, MessageSource message) {
        return pool.acquireIdle(Authentication.identity(settings, envelope.credentials()))
            .map(idle -> deliver(envelope, message, Optional.of(idle)));
    }

    /**
     * One transaction of a delivery: its recipients, the endpoints it must not use (tried already
     * by them, {@code failover temporary}), and the idle session it starts on, if given one.
     */
    private record Round(List<String> recipients, Set<Endpoint> passOver, Optional<SmtpSession> idle) {
    }

    private DeliveryResult deliver(Envelope envelope, MessageSource message, Optional<SmtpSession> idle) {
        Map<String, RecipientResult> results = new LinkedHashMap<>();
        Optional<Endpoint> endpoint = Optional.empty();
        // only a delivery that may fail over keeps a trail: the usual one allocates nothing for it
        FailoverTrail trail = settings.failover() == Failover.TEMPORARY ? new FailoverTrail(settings.endpoints()) : null;
        Deque<Round> rounds = new ArrayDeque<>();
        rounds.add(new Round(envelope.recipients(), Set.of(), idle));
        // a round over the recipient limit leaves fewer behind (the server accepted one at least), a
        // failover round passes one more endpoint over: this ends
        while (!rounds.isEmpty()) {
            Round round = rounds.poll();
            try (Transaction transaction = begin(round, envelope.mailFrom(), message)) {
                transaction.recipients(round.recipients(), true);
                transaction.message(message);
                DeliveryResult result = transaction.result();
                endpoint = endpoint.or(result::endpoint);
                List<String> overLimitInOrder = transaction.overRecipientLimit();
                Set<String> overLimit = overLimitInOrder.isEmpty() ? Set.of() : new HashSet<>(overLimitInOrder);
                List<RecipientResult> decided = trail == null ? List.of() : new ArrayList<>();
                for (RecipientResult recipient : result.recipients()) {
                    // one over the server's limit is not decided yet: the next round, on any endpoint, decides it
                    boolean undecided = overLimit.contains(recipient.recipient());
                    RecipientResult told = undecided || trail == null ? recipient : trail.after(recipient);
                    results.put(recipient.recipient(), told);
                    if (trail != null && !undecided) {
                        decided.add(told);
                    }
                }
                if (!overLimitInOrder.isEmpty()) {
                    rounds.add(new Round(overLimitInOrder, round.passOver(), Optional.empty()));
                }
                if (trail != null && result.endpoint().isPresent()) {
                    Set<Endpoint> tried = new HashSet<>(round.passOver());
                    tried.add(result.endpoint().get());
                    List<String> goOn = trail.goOn(decided, tried);
                    if (!goOn.isEmpty()) {
                        LOGGER.info("failover temporary: {} recipient(s) go on to the next target, the first after {}",
                            goOn.size(), PrintableText.line(result.of(goOn.get(0)).detail()));
                        rounds.add(new Round(goOn, tried, Optional.empty()));
                    }
                }
            }
        }
        return new DeliveryResult(List.copyOf(results.values()), endpoint);
    }

    private Transaction begin(Round round, MailFrom from, MessageSource message) {
        return round.idle().isPresent() ? Transaction.beginOn(round.idle().get(), settings, pool, from, message)
            : Transaction.beginPast(round.passOver(), settings, pool, from, message);
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
