package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mail transaction with a downstream server: the only one in the sender. The queued path
 * ({@link DownstreamSender#deliver}) drives it as a short sequence: every recipient at once, then
 * the message. The synchronous path (SMTP hooks relaying their own client) drives it step by step
 * as its client speaks: a recipient per RCPT, then the message at the end of DATA. Either way the
 * same steps run:
 * <ol>
 * <li>begin: checks that need no server (the sender address; {@code auth forward}'s credentials);</li>
 * <li>at the first recipient that can be sent: a session from the pool, AUTH, the message checks
 *     that need the server's capabilities (when the message is already known), MAIL FROM built by
 *     {@link MailFromCommand};</li>
 * <li>recipients: each checked, then RCPT TO with its DSN request where DSN is offered ({@link DsnArguments}),
 *     pipelined with MAIL FROM (and with DATA, when the message follows at once) where PIPELINING is offered;</li>
 * <li>message: DATA or BDAT, then the final reply or replies.</li>
 * </ol>
 * Each step answers with a {@link Reply} a synchronous caller can give its client as its own: the
 * downstream's, or a {@link Refusal}'s for what happened on this side (no endpoint usable, a broken
 * connection: 451; an address or a message the downstream cannot take unaltered: 5xx). What the
 * replies mean for each recipient is the {@link ResultLedger}'s to decide; each result keeps the
 * reply that stands for it, so a caller picks a reply and never makes one.
 *
 * <p>One caller drives it; every step holds the transaction's lock, which the idle check of a
 * client-paced transaction ({@link IdleClients}) only tries, from the housekeeping thread, to take
 * the session back from a silent client. {@link #close} ends it whatever state it is in; the pool
 * resets a session left mid-transaction (RSET) before it serves anyone again. A pooled session the
 * server let go while it was idle fails before answering anything; the transaction then starts
 * again on another ({@link StaleSessionException}).
 */
public final class Transaction implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(Transaction.class);

    private final SenderSettings settings;
    private final SessionPool pool;
    private final MailFrom from;
    private final String identity;
    /** The message when it is known before MAIL FROM (queued path); empty when it comes last (synchronous path). */
    private final Optional<MessageSource> knownMessage;
    /** Each recipient's DSN request: the envelope's (queued path), or as each RCPT brings it (synchronous path). */
    private final Map<String, RecipientDsn> recipientDsn = new HashMap<>();
    private final ResultLedger ledger = new ResultLedger();
    /** Present when the client paces the transaction (synchronous path): how long it may be silent while holding a session. */
    private final Optional<ClientPace> pace;
    /** This transaction as the idle check knows it: one handle, so that forgetting it finds it. */
    private final IdleClients.Holder idleHolder = this::takeBackIfIdle;
    /** Held for every step; the idle check only tries it, so it never waits for, nor interrupts, a step. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long lastClientActivityNanos = System.nanoTime();
    /** The session went back to the pool because the client was idle: the transaction can do nothing more. */
    private boolean sessionTakenBack;
    /** The answer each recipient named got at RCPT: the downstream's reply, or one made here. */
    private final Map<String, Reply> rcptReplies = new HashMap<>();
    private SmtpSession session;
    /** The idle session {@link #beginOn} gave, until {@link #start} takes it. */
    private SmtpSession handedOver;
    private final boolean begunOnIdle;
    /** The endpoints this transaction must not use: tried already in the same attempt ({@code failover temporary}). */
    private final Set<Endpoint> passOver;
    private boolean started;
    /** MAIL FROM, built and not sent yet: it goes with the first recipients. */
    private SmtpCommand pendingMail;
    /** XFORWARD commands not sent yet: with PIPELINING they lead MAIL FROM's group. */
    private List<SmtpCommand> pendingXForward = List.of();
    /** MAIL FROM declared SMTPUTF8: recipients may go in UTF-8 (RFC 6531 3.4). */
    private boolean smtpUtf8Declared;
    private Reply mailReply;
    /** Recipients sent on the wire in this transaction, for {@code maxRecipientsPerMessage}. */
    private int onWire;
    /** Set once the transaction can take no more recipients: every recipient named later gets it. */
    private Refusal refusal;
    private MessageTraits traits;
    private Reply pipelinedDataReply;
    private boolean messageSent;
    private boolean closed;

    /**
     * How a client paces a transaction: the silence it is allowed while a session is held, and who checks it.
     *
     * @param idleLimit {@code clientIdleTimeout}
     * @param watch the checker the transaction reports to while it holds a session
     */
    record ClientPace(Duration idleLimit, IdleClients watch) {
    }

    private Transaction(SenderSettings settings, SessionPool pool, MailFrom from, Optional<MessageSource> knownMessage,
                        Optional<ClientPace> pace, SmtpSession handedOver, Set<Endpoint> passOver) {
        this.pace = pace;
        this.passOver = Set.copyOf(passOver);
        this.handedOver = handedOver;
        this.begunOnIdle = handedOver != null;
        this.settings = settings;
        this.pool = pool;
        this.from = from;
        this.identity = Authentication.identity(settings, from.credentials());
        this.knownMessage = knownMessage;
        recipientDsn.putAll(from.dsn().recipients());
    }

    /**
     * Begins a transaction; no connection is made until a recipient can be sent.
     *
     * @param from the sender and what MAIL FROM passes on with it
     * @param knownMessage the message, when it is known now (its checks then run before MAIL FROM, and its size is declared)
     * @param pace present when a client drives the transaction at its own pace
     */
    static Transaction begin(SenderSettings settings, SessionPool pool, MailFrom from, Optional<MessageSource> knownMessage,
                             Optional<ClientPace> pace) {
        return begin(new Transaction(settings, pool, from, knownMessage, pace, null, Set.of()));
    }

    /**
     * Begins a transaction of a known message on a session to none of the endpoints in {@code
     * passOver}: those the same attempt has tried already ({@code failover temporary}).
     */
    static Transaction beginPast(Set<Endpoint> passOver, SenderSettings settings, SessionPool pool, MailFrom from, MessageSource message) {
        return begin(new Transaction(settings, pool, from, Optional.of(message), Optional.empty(), null, passOver));
    }

    /**
     * Begins a transaction of a known message on {@code idle}, a session {@link SessionPool#acquireIdle}
     * gave: for a caller that must not be held up, it never waits for a session, not even when the
     * idle one turns out stale and another is taken.
     */
    static Transaction beginOn(SmtpSession idle, SenderSettings settings, SessionPool pool, MailFrom from, MessageSource message) {
        return begin(new Transaction(settings, pool, from, Optional.of(message), Optional.empty(), idle, Set.of()));
    }

    private static Transaction begin(Transaction transaction) {
        MailFrom from = transaction.from;
        String sender = from.sender();
        Optional<String> badSender = AddressCheck.unsendable(sender);
        if (badSender.isPresent()) {
            transaction.refuse(Refusal.badSender(sender, badSender.get()));
        } else {
            Authentication.missingCredentials(transaction.settings, from.credentials())
                .ifPresent(why -> transaction.refuse(Refusal.credentialsUnavailable(why, false)));
        }
        return transaction;
    }

    /** The answer to MAIL FROM, sending it now if it has not gone yet; unless positive, every recipient gets it too. */
    public Reply mailReply() {
        lock.lock();
        try {
            if (mailReply != null) {
                return mailReply;
            }
            while (mailReply == null && refusal == null && start(List.of()) && pendingMail != null) {
                // MAIL FROM alone (behind XFORWARD where pipelined); a stale session starts again on another
                exchange(Map.of(), false);
            }
            return mailReply != null ? mailReply : refusal.reply();
        } finally {
            stepDone();
        }
    }

    /** The endpoint this transaction talks to; empty when none could be reached (or none was needed yet). */
    public Optional<Endpoint> endpoint() {
        lock.lock();
        try {
            return ledger.endpoint();
        } finally {
            lock.unlock();
        }
    }

    /** Sends RCPT TO for {@code recipient} and answers with the downstream's reply to it. */
    public Reply recipient(String recipient) {
        return recipient(recipient, RecipientDsn.NONE);
    }

    /** Sends RCPT TO for {@code recipient}, with its DSN request where the server offers DSN, and answers with the downstream's reply to it. */
    public Reply recipient(String recipient, RecipientDsn dsn) {
        lock.lock();
        try {
            recipientDsn.putIfAbsent(recipient, dsn);
            return namedRecipients(List.of(recipient), false).get(0);
        } finally {
            stepDone();
        }
    }

    /**
     * The client is still talking (a line of its message arrived, say): it is not idle. Cheap
     * enough to call for every line.
     */
    public void clientActive() {
        lastClientActivityNanos = System.nanoTime();
    }

    /** A step is over: the client's silence counts from now. */
    private void stepDone() {
        lastClientActivityNanos = System.nanoTime();
        lock.unlock();
    }

    /**
     * Names recipients: each is checked, then sent with RCPT TO, pipelined where the server offers
     * it. Returns each one's answer, in order. A recipient named again keeps its first answer.
     *
     * @param messageFollows the message is sent right after, so DATA may close the pipelined group
     */
    List<Reply> recipients(List<String> recipients, boolean messageFollows) {
        lock.lock();
        try {
            return namedRecipients(recipients, messageFollows);
        } finally {
            stepDone();
        }
    }

    private List<Reply> namedRecipients(List<String> recipients, boolean messageFollows) {
        requireOpen();
        List<String> fresh = new ArrayList<>();
        int limit = settings.limits().recipientsPerMessage();
        Refusal overLimit = null;
        for (String recipient : recipients) {
            if (!ledger.name(recipient)) {
                continue;
            }
            Optional<Refusal> refused = refusal != null ? Optional.of(refusal) : refusedBeforeTheWire(recipient);
            if (refused.isPresent()) {
                decline(recipient, refused.get());
            } else if (limit > 0 && onWire + fresh.size() >= limit) {
                // as a server's own 452 would: a client sends the rest in another transaction, the queued path at once
                overLimit = overLimit != null ? overLimit : Refusal.overRecipientLimit(limit);
                ledger.overOwnLimit(recipient, overLimit);
                rcptReplies.put(recipient, overLimit.reply());
            } else {
                fresh.add(recipient);
            }
        }
        if (!fresh.isEmpty()) {
            onWire += fresh.size();
            send(fresh, messageFollows);
        }
        return recipients.stream().map(rcptReplies::get).toList();
    }

    /** Why a recipient is never sent, whatever the server: an address the wire cannot carry, or sender-specified routing. */
    private Optional<Refusal> refusedBeforeTheWire(String recipient) {
        Optional<String> bad = AddressCheck.unsendable(recipient);
        if (bad.isPresent()) {
            return Optional.of(Refusal.badRecipient(recipient, bad.get()));
        }
        Optional<String> routing = settings.allowSenderRouting() ? Optional.empty() : AddressCheck.senderRouting(recipient);
        return routing.map(how -> Refusal.senderRouting(recipient, how));
    }

    /** Decides {@code recipient} by {@code why} and answers its RCPT with the refusal's reply. */
    private void decline(String recipient, Refusal why) {
        ledger.refused(recipient, why);
        rcptReplies.put(recipient, why.reply());
    }

    /** RCPT TO for recipients that passed the checks needing no server; MAIL FROM first when it has not gone. */
    private void send(List<String> fresh, boolean messageFollows) {
        boolean again = true;
        while (again && start(fresh)) {
            boolean smtputf8 = smtpUtf8Declared;
            Map<String, String> wire = new LinkedHashMap<>();
            for (String recipient : fresh) {
                if (ledger.isDecided(recipient)) {
                    // decided on a session that then proved stale
                    continue;
                }
                Optional<String> form = AddressCheck.wireForm(recipient, smtputf8);
                if (form.isPresent()) {
                    wire.put(recipient, form.get());
                } else {
                    String why = "recipient " + AddressCheck.printable(recipient) + " needs SMTPUTF8, which "
                        + (session.capabilities().has("SMTPUTF8") ? "MAIL FROM to " + session.endpoint() + " did not declare (the envelope was ASCII)"
                            : session.endpoint() + " does not advertise");
                    decline(recipient, Refusal.needsSmtpUtf8(why));
                }
            }
            again = !wire.isEmpty() && !exchange(wire, messageFollows);
        }
        // those a refusal or a broken session decided before their own reply came
        fresh.forEach(recipient -> rcptReplies.computeIfAbsent(recipient, r -> refusal.reply()));
    }

    /** @return false when the session proved stale before anything was answered: {@link #start} is to take another */
    private boolean exchange(Map<String, String> wire, boolean messageFollows) {
        Capabilities capabilities = session.capabilities();
        boolean pipelining = pipelining();
        List<SmtpCommand> commands = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        int xforwards = 0;
        if (pendingMail != null) {
            commands.addAll(pendingXForward);
            xforwards = pendingXForward.size();
            pendingXForward = List.of();
            commands.add(takePendingMail());
            owners.add(null);
        }
        wire.forEach((recipient, form) -> {
            commands.add(SmtpCommand.rcptTo(form, DsnArguments.rcptTo(recipientDsn.getOrDefault(recipient, RecipientDsn.NONE), capabilities)));
            owners.add(recipient);
        });
        if (messageFollows && pipelining && !chunking()) {
            // RFC 2920: DATA may close the group; its reply tells whether to send the message
            commands.add(SmtpCommand.DATA);
        }
        EnvelopeReplies replies = new EnvelopeReplies(xforwards, owners);
        try {
            if (messageFollows && pipelining && chunking() && knownMessage.isPresent() && commands.size() < SmtpSession.PIPELINE_GROUP) {
                // RFC 3030: BDAT may be pipelined, so the message's first chunk closes the group
                transferWithEnvelope(commands, replies, knownMessage.get());
            } else if (pipelining) {
                session.pipeline(commands, replies::accept);
            } else {
                for (SmtpCommand command : commands) {
                    replies.accept(session.command(command));
                    if (refusal != null) {
                        // no RCPT may follow a refused MAIL FROM
                        break;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (closedToStartOver(e)) {
                return false;
            }
            brokeOff(e);
        }
        return true;
    }

    /**
     * The envelope and the message in one transfer: the envelope's replies are read once the
     * first chunk is out, and then the replies after the last chunk, as many as the recipients
     * accepted by then call for (one, refusing it, when none was).
     */
    private void transferWithEnvelope(List<SmtpCommand> envelope, EnvelopeReplies replies, MessageSource message) throws IOException {
        Reply refused = session.transferChunked(envelope, replies::accept, message, () -> ledger.finalReplies(settings.protocol()));
        if (refused != null) {
            ledger.messageRefused(refused, "BDAT");
        }
        if (ledger.accepted().isEmpty()) {
            // a refused BDAT need not end the server's transaction (Dovecot's LMTP keeps it open and
            // answers the next MAIL FROM 503): RSET before the session serves anyone again
            session.needsReset();
        }
    }

    /** Decides the replies of one envelope exchange in order as they arrive, so replies read before a failure keep their meaning. */
    private final class EnvelopeReplies {
        private final int xforwards;
        private final List<String> owners;
        private int received;

        /**
         * @param xforwards how many replies come first for pipelined XFORWARD commands
         * @param owners the recipient each later reply is for, in order; null for MAIL FROM's
         */
        EnvelopeReplies(int xforwards, List<String> owners) {
            this.xforwards = xforwards;
            this.owners = owners;
        }

        void accept(Reply reply) {
            int index = received++ - xforwards;
            if (index < 0) {
                if (!reply.isPositive()) {
                    xforwardRefused(reply);
                }
                return;
            }
            if (index >= owners.size()) {
                pipelinedDataReply = reply;
                return;
            }
            String recipient = owners.get(index);
            if (recipient == null) {
                mailAnswered(reply);
            } else if (!ledger.isDecided(recipient)) {
                ledger.rcptReply(recipient, reply);
                rcptReplies.put(recipient, reply);
            }
        }
    }

    private SmtpCommand takePendingMail() {
        SmtpCommand mail = pendingMail;
        pendingMail = null;
        return mail;
    }

    private void mailAnswered(Reply reply) {
        // before it is any client's answer: a 354, say, is no answer to MAIL FROM
        ResultLedger.requireCompletion(reply, "MAIL FROM");
        mailReply = reply;
        if (!reply.isPositive()) {
            refuse(Refusal.mailFromRefused(reply));
        }
    }

    /**
     * Takes a session, authenticates it, checks a known message and builds MAIL FROM, once; false
     * when the transaction cannot go on (the refusal then says why).
     *
     * @param firstRecipients the recipients about to be sent, for what MAIL FROM declares
     */
    private boolean start(List<String> firstRecipients) {
        if (started) {
            return refusal == null;
        }
        started = true;
        try {
            // a client-paced transaction runs on James's SMTP thread, one begun on an idle session on
            // James's spool: neither waits there for a session
            session = handedOver != null ? takeHandedOver() : pool.acquire(identity, pace.isEmpty() && !begunOnIdle, passOver);
        } catch (NoEndpointAvailableException e) {
            refuse(Refusal.noEndpoint(e));
            return false;
        }
        pace.ifPresent(p -> p.watch().watch(idleHolder));
        ledger.server(session.endpoint(), session.capabilities().has("DSN"));
        try {
            Optional<Refusal> refused = authenticate();
            if (refused.isEmpty()) {
                refused = unsendableKnownMessage();
            }
            if (refused.isEmpty()) {
                refused = declaredOverLimit();
            }
            if (refused.isEmpty()) {
                prepareXForward();
                refused = buildMailFrom(firstRecipients);
            }
            refused.ifPresent(this::refuse);
            return refused.isEmpty();
        } catch (IOException | RuntimeException e) {
            if (closedToStartOver(e)) {
                return start(firstRecipients);
            }
            brokeOff(e);
            return false;
        }
    }

    private SmtpSession takeHandedOver() {
        SmtpSession given = handedOver;
        handedOver = null;
        return given;
    }

    private Optional<Refusal> authenticate() throws IOException {
        Authentication.Answer answer = Authentication.authenticate(session, settings, identity, from.credentials());
        pool.authAnswered(session, answer.unusableBecause());
        if (answer.refusal().isPresent()) {
            // unauthenticated, the session would serve nobody from the pool and hold one of its permits
            session.finish();
        }
        return answer.refusal();
    }

    private Optional<Refusal> unsendableKnownMessage() throws IOException {
        return knownMessage.isPresent() ? unsendable(knownMessage.get()) : Optional.empty();
    }

    /** The client's own SIZE declaration, refused before its message is read (RFC 1870). */
    private Optional<Refusal> declaredOverLimit() {
        OptionalLong declared = from.declaredSize();
        if (knownMessage.isPresent() || declared.isEmpty()) {
            return Optional.empty();
        }
        return MessageTraits.overSizeLimit(declared.getAsLong(), session.capabilities(), session.endpoint()).map(Refusal::declaredOverLimit);
    }

    /** XFORWARD where the server offers it: kept to lead MAIL FROM's group where commands are pipelined, else sent now. */
    private void prepareXForward() throws IOException {
        Capabilities capabilities = session.capabilities();
        if (!settings.xforward() || from.origin().isEmpty() || !capabilities.has("XFORWARD")) {
            return;
        }
        if (pipelining()) {
            pendingXForward = XForward.wireCommands(from.origin().get(), capabilities.xforwardAttributes());
        } else {
            XForward.send(session, from.origin().get(), capabilities.xforwardAttributes()).ifPresent(this::xforwardRefused);
        }
    }

    private void xforwardRefused(Reply refused) {
        LOGGER.info("{} refused XFORWARD ({}): the message goes on without it", session.endpoint(), refused);
    }

    /** MAIL FROM, kept to go with the first recipients; a refusal when the sender cannot be written for this server. */
    private Optional<Refusal> buildMailFrom(List<String> firstRecipients) throws IOException {
        Capabilities capabilities = session.capabilities();
        String sender = from.sender();
        Optional<String> wireSender = AddressCheck.wireForm(sender, capabilities.has("SMTPUTF8"));
        if (wireSender.isEmpty()) {
            return Optional.of(Refusal.needsSmtpUtf8("sender " + sender + " needs SMTPUTF8, which " + session.endpoint() + " does not advertise"));
        }
        boolean utf8Envelope = !AddressCheck.isAscii(sender) || firstRecipients.stream().anyMatch(r -> !AddressCheck.isAscii(r));
        OptionalLong size = knownMessage.isPresent() ? OptionalLong.of(knownMessage.get().size()) : from.declaredSize();
        MailFromCommand.Declarations declarations = new MailFromCommand.Declarations(size, Optional.ofNullable(traits), utf8Envelope, from.dsn());
        smtpUtf8Declared = MailFromCommand.declaresSmtpUtf8(capabilities, declarations);
        pendingMail = MailFromCommand.build(wireSender.get(), capabilities, declarations);
        return Optional.empty();
    }

    /**
     * When {@code e} says a pooled session proved stale before it answered anything of this
     * transaction (the server let it go while it was idle): closes that session and resets what
     * was built on it, so that the transaction starts again on another session from the pool. Each such session leaves the pool, and a new connection is never
     * stale, so this ends.
     *
     * @return true when it did; false for any other failure, which the caller handles
     */
    private boolean closedToStartOver(Exception e) {
        if (!(e instanceof StaleSessionException)) {
            return false;
        }
        LOGGER.debug("{}; taking another session", e.getMessage());
        session.close();
        // it carried nothing of this transaction: the next session takes the rate slot
        pool.giveBackSlot(session);
        started = false;
        pendingMail = null;
        pendingXForward = List.of();
        pipelinedDataReply = null;
        return true;
    }

    /**
     * Why this session's server cannot take the message unaltered, as the refusal that says so:
     * over its SIZE limit (552 5.3.4, checked before the message is read), a line SMTP cannot carry
     * or 8-bit content it does not take (554 5.6.0).
     */
    private Optional<Refusal> unsendable(MessageSource message) throws IOException {
        Capabilities capabilities = session.capabilities();
        Optional<String> overLimit = MessageTraits.overSizeLimit(message.size(), capabilities, session.endpoint());
        if (overLimit.isPresent()) {
            return overLimit.map(Refusal::overSizeLimit);
        }
        traits = MessageTraits.scan(message);
        return traits.unsendableTo(capabilities, session.endpoint()).map(Refusal::unsendableMessage);
    }

    /** The recipients the downstream accepted so far, in order. */
    public List<String> accepted() {
        lock.lock();
        try {
            return ledger.accepted();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends the message to the accepted recipients and returns each one's outcome: over SMTP the
     * one final reply for all, over LMTP each recipient's own. A connection that breaks after the
     * message went out leaves the recipients temporarily failed: the downstream may have it.
     */
    public DeliveryResult message(MessageSource message) {
        lock.lock();
        try {
            return sendMessage(message);
        } finally {
            stepDone();
        }
    }

    private DeliveryResult sendMessage(MessageSource message) {
        requireOpen();
        messageSent = true;
        List<String> accepted = ledger.accepted();
        if (ledger.awaitingMessage().isEmpty()) {
            closeOpenData();
            return ledger.result().only(accepted);
        }
        try {
            if (knownMessage.isEmpty()) {
                // the synchronous path sees the message only now
                Optional<Refusal> unsendable = unsendable(message);
                if (unsendable.isPresent()) {
                    ledger.refuseAllPending(unsendable.get());
                    return ledger.result().only(accepted);
                }
            }
            transfer(message);
        } catch (IOException | RuntimeException e) {
            brokeOff(e);
        }
        return ledger.result().only(accepted);
    }

    /** DATA (its 354 perhaps already read, when DATA was pipelined) or BDAT, then the final replies, as the ledger counts them. */
    private void transfer(MessageSource message) throws IOException {
        SmtpSession.FinalReplies finalReplies = ledger.finalReplies(settings.protocol());
        if (chunking()) {
            Reply refused = session.transferChunked(message, finalReplies);
            if (refused != null) {
                ledger.messageRefused(refused, "BDAT");
            }
            return;
        }
        Reply dataReply = pipelinedDataReply != null ? pipelinedDataReply : session.command(SmtpCommand.DATA);
        if (dataReply.code() != 354) {
            if (dataReply.isPositive()) {
                throw new ProtocolException("answered DATA with " + dataReply + " instead of 354");
            }
            ledger.messageRefused(dataReply, "DATA");
            return;
        }
        session.transferMessage(message, finalReplies);
    }

    /** A server that opened a pipelined DATA for nobody: close it with an empty message and ignore its answer. */
    private void closeOpenData() {
        if (pipelinedDataReply != null && pipelinedDataReply.code() == 354 && !sessionTakenBack && session.usable()) {
            try {
                session.transferMessage(EMPTY, new SmtpSession.FinalReplies(1, reply -> { }));
            } catch (IOException | RuntimeException e) {
                LOGGER.debug("closing an empty DATA with {} failed", session.endpoint(), e);
                session.close();
            }
        }
    }

    private boolean pipelining() {
        return settings.connections().pipelining() && session.capabilities().has("PIPELINING");
    }

    private boolean chunking() {
        return settings.connections().chunking() && session.capabilities().has("CHUNKING");
    }

    /** Every recipient named, each decided; for the caller that named them all (the queued path). */
    DeliveryResult result() {
        lock.lock();
        try {
            return ledger.result();
        } finally {
            lock.unlock();
        }
    }

    /** The recipients refused only because the transaction held as many as the server takes; for a further transaction. */
    List<String> overRecipientLimit() {
        lock.lock();
        try {
            return ledger.overRecipientLimit();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the session back to the pool if the client has been silent past its limit at
     * {@code now}, so that it can serve others; every recipient still undecided then fails
     * temporarily (the client is told so at its next step, and retries). Never waits: a
     * transaction in the middle of a step is not idle.
     */
    private void takeBackIfIdle(long now) {
        if (pace.isEmpty() || !lock.tryLock()) {
            return;
        }
        try {
            Duration limit = pace.get().idleLimit();
            if (closed || messageSent || session == null || sessionTakenBack || now - lastClientActivityNanos < limit.toNanos()) {
                return;
            }
            if (!session.usable()) {
                // broken or refused already, and closed: nothing held to give back
                pace.get().watch().forget(idleHolder);
                return;
            }
            String cause = "the client sent nothing for " + Durations.describe(limit) + " (clientIdleTimeout) while it held a session to "
                + session.endpoint() + ", which went back to serve others";
            refuse(Refusal.brokeOff(cause));
            sessionTakenBack = true;
            pace.get().watch().forget(idleHolder);
            pool.release(session);
        } finally {
            lock.unlock();
        }
    }

    /** The transaction can take no more recipients: every one still pending, and every one named later, gets {@code why}. */
    private void refuse(Refusal why) {
        refusal = why;
        ledger.refuseAllPending(why);
    }

    /** The session broke: it is closed, and whatever was not answered may or may not have arrived, so only a retry is safe. */
    private void brokeOff(Exception e) {
        LOGGER.debug("transaction with {} broke off", session.endpoint(), e);
        session.close();
        String cause = session.endpoint() + ": " + SessionOpener.describe(e);
        refusal = Refusal.brokeOff(cause);
        ledger.refuseAllPending(refusal);
    }

    private void requireOpen() {
        if (messageSent || closed) {
            throw new IllegalStateException("the transaction is over");
        }
    }

    /** Ends the transaction: the session goes back to the pool, which resets or closes it. Never throws. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            pace.ifPresent(p -> p.watch().forget(idleHolder));
            if (session != null && !sessionTakenBack) {
                pool.release(session);
            }
            if (handedOver != null) {
                // refused before it started (its sender, say): the idle session it was given serves others
                pool.release(takeHandedOver());
            }
        } finally {
            lock.unlock();
        }
    }

    private static final MessageSource EMPTY = new MessageSource() {
        @Override
        public long size() {
            return 0;
        }

        @Override
        public void writeTo(OutputStream out) {
            // nothing: only the terminating dot is sent
        }
    };
}
