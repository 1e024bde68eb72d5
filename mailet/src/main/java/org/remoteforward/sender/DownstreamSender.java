package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers messages to a fixed list of SMTP or LMTP endpoints and reports one outcome per
 * recipient. It knows nothing of James: callers give it an {@link Envelope} and a
 * {@link MessageSource} and act on the {@link DeliveryResult}.
 *
 * <p>Safe for concurrent use: each delivery has a session of its own, new or reused from the pool.
 * Create one per configuration and {@link #close()} it when done; that QUITs idle sessions and
 * stops its timeout thread.
 */
public final class DownstreamSender implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(DownstreamSender.class);

    private final SenderSettings settings;
    private final Watchdog watchdog;
    private final SessionPool pool;

    private DownstreamSender(SenderSettings settings, TlsClient tls) {
        this.settings = settings;
        this.watchdog = new Watchdog("remote-forward-timeouts");
        this.pool = new SessionPool(settings.connections(), new SessionOpener(settings, tls, watchdog), watchdog);
    }

    /**
     * Checks the settings that need loading (PEM files, TLS names) and returns a ready sender.
     *
     * @throws InvalidTlsSettingException naming the TLS setting at fault
     */
    public static DownstreamSender create(SenderSettings settings) throws InvalidTlsSettingException {
        return new DownstreamSender(settings, TlsClient.create(settings.tls()));
    }

    /**
     * Delivers one message. Never throws for anything the servers, the network or the message
     * can cause: every recipient comes back delivered, or failed with the reason.
     */
    public DeliveryResult deliver(Envelope envelope, MessageSource message) {
        ResultLedger ledger = new ResultLedger(envelope.recipients());
        if (!precheck(envelope, ledger)) {
            return ledger.result();
        }
        String identity = identity(envelope.credentials());
        SmtpSession session;
        try {
            session = pool.acquire(identity);
        } catch (NoEndpointAvailableException e) {
            ledger.failAllPending(Outcome.TEMPORARY_FAILURE, e.getMessage());
            return ledger.result();
        }
        ledger.endpoint(session.endpoint());
        try {
            new MailTransaction(session, settings, envelope, message, ledger, identity).run();
        } catch (IOException | RuntimeException e) {
            // whatever was not answered may or may not have arrived: only a retry is safe
            LOGGER.debug("delivery to {} broke off", session.endpoint(), e);
            session.close();
            ledger.failAllPending(Outcome.TEMPORARY_FAILURE, session.endpoint() + ": " + SessionOpener.describe(e));
        } finally {
            pool.release(session);
        }
        return ledger.result();
    }

    /**
     * Begins a transaction the caller drives step by step, for a caller that relays its own SMTP
     * client's commands as they come and answers it with the downstream's replies.
     *
     * @param credentials the client's, for {@code auth forward}
     * @param declaredSize the size the client declared in MAIL FROM, if it did
     */
    public LiveTransaction begin(String sender, Optional<Credentials> credentials, OptionalLong declaredSize) {
        return LiveTransaction.begin(settings, pool, identity(credentials), sender, credentials, declaredSize);
    }

    /**
     * Who a session authenticates as, so a pooled session is only reused for the same identity.
     * Forwarded credentials count by user and a digest of the password, never kept in clear.
     */
    private String identity(Optional<Credentials> forwarded) {
        return switch (settings.auth()) {
            case OFF -> "";
            case EXTERNAL -> "external";
            case PLAIN -> "plain:" + settings.configuredCredentials().orElseThrow().username();
            case FORWARD -> forwarded.map(c -> "forward:" + c.username() + ":" + digest(c.password())).orElse("");
        };
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** Decides what can be decided without a server; false when nothing is left to send. */
    private boolean precheck(Envelope envelope, ResultLedger ledger) {
        Optional<String> badSender = AddressCheck.unsendable(envelope.sender());
        if (badSender.isPresent()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, "sender '" + printable(envelope.sender()) + "' refused: " + badSender.get());
            return false;
        }
        for (String recipient : ledger.pending()) {
            AddressCheck.unsendable(recipient).ifPresent(reason ->
                ledger.failed(recipient, Outcome.PERMANENT_FAILURE, "recipient '" + printable(recipient) + "' refused: " + reason));
        }
        if (settings.auth() == AuthMode.FORWARD && envelope.credentials().isEmpty()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE,
                "auth forward needs the original client's credentials, and this message carries none (was it submitted with SMTP AUTH?)");
        }
        return !ledger.pending().isEmpty();
    }

    private static String printable(String address) {
        String cut = address.length() > 100 ? address.substring(0, 100) + "..." : address;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public void close() {
        pool.close();
        watchdog.close();
    }
}
