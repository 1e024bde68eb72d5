package org.remoteforward.mailet;

import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the credentials that SMTP clients authenticated with, for {@code auth forward}, in this
 * JVM's memory only. A mail carries a random token ({@value #TOKEN_NAME}), never the credentials:
 * whatever James writes to a queue or repository holds nothing secret. The price: after a restart
 * the credentials are gone and such mails fail with a clear error rather than go out unauthenticated.
 *
 * <p>How long an entry lives: as long as some mail may still be sent with it, and never longer
 * than the retention. Each recipient of the mail holds a claim on it, and so does each recipient of
 * a bounce sent with it; every part of a mail James splits carries the same token, and releases
 * only its own recipients' claims as it is done with them (delivered, bounced, failed for good).
 * The last claim released forgets the credentials. A mail that never comes back to us (delivered
 * locally, dropped, routed elsewhere) releases nothing: its entry goes when the retention is over,
 * which the users of the credentials set long enough for their retries and bounces
 * ({@link #retainFor}). No more than {@value #MAX_HELD} entries are held; past that the oldest go.
 *
 * <p>One per James server: Guice hands the same instance to {@code ForwardCredentialsHook} (which
 * deposits) and to RemoteForwardMailet and the synchronous hooks (which take), and a James started
 * again gets an empty one. Thread-safe: every method holds the vault's lock, briefly.
 */
@Singleton
public final class CredentialsVault {
    public static final String TOKEN_NAME = "org.remoteforward.credentialsToken";
    public static final AttributeName TOKEN = AttributeName.of(TOKEN_NAME);
    /** At most this many mails' credentials in memory at once. */
    public static final int MAX_HELD = 10_000;
    /** How long credentials are kept until a user of them says how long its retries last. */
    static final Duration UNCLAIMED_RETENTION = Duration.ofHours(1);

    private static final Logger LOGGER = LoggerFactory.getLogger(CredentialsVault.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** This JVM, as pid@host. */
    private static final String THIS_JVM = ManagementFactory.getRuntimeMXBean().getName();

    private final Clock clock;
    /** This vault, as a token names it (pid@host and when it started), so that a miss can say where the credentials are. */
    private final String holder;
    /** By token, oldest first. */
    private final LinkedHashMap<String, Entry> byToken = new LinkedHashMap<>();
    private Duration retention;

    /** One mail's credentials, since when, and who may still be sent with them (recipient to how many claims). */
    private static final class Entry {
        final Credentials credentials;
        final Instant deposited;
        final Map<String, Integer> claims = new HashMap<>();

        Entry(Credentials credentials, Instant deposited) {
            this.credentials = credentials;
            this.deposited = deposited;
        }
    }

    @Inject
    public CredentialsVault() {
        this(Clock.systemUTC());
    }

    CredentialsVault(Clock clock) {
        this.clock = clock;
        this.holder = THIS_JVM + " started " + clock.instant();
        Expiry.watch(this);
    }

    /**
     * A user of the credentials (RemoteForwardMailet, synchronous forwarding with {@code auth
     * forward}) says how long a mail may need them: the longest any user asks for is kept.
     */
    public synchronized void retainFor(Duration needed) {
        if (retention == null || needed.compareTo(retention) > 0) {
            retention = needed;
        }
    }

    /** Keeps the credentials for the mail's recipients and marks the mail with the token that finds them again. */
    public synchronized void depositFor(Mail mail, Credentials credentials) {
        forgetExpired();
        while (byToken.size() >= MAX_HELD) {
            Iterator<String> oldest = byToken.keySet().iterator();
            oldest.next();
            oldest.remove();
            LOGGER.warn("more than {} mails hold forwarded credentials: the oldest ones are forgotten, and cannot be sent any more", MAX_HELD);
        }
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "." + holder;
        Entry entry = new Entry(credentials, clock.instant());
        claim(entry, mail.getRecipients());
        byToken.put(token, entry);
        mail.setAttribute(new Attribute(TOKEN, AttributeValue.of(token)));
    }

    /** The credentials for the mail, when it carries a token this vault still holds. */
    public synchronized Optional<Credentials> credentialsFor(Mail mail) {
        forgetExpired();
        return entryOf(mail).map(entry -> entry.credentials);
    }

    /** Whether the mail was received with credentials, held by this vault or by the JVM before a restart. */
    public boolean hadCredentialsFor(Mail mail) {
        return mail.getAttribute(TOKEN).isPresent();
    }

    /**
     * Another mail goes out with the same credentials (a bounce to the sender of {@code from}):
     * it carries the same token, and its recipients claim the credentials until done with.
     */
    public synchronized void extendTo(Mail from, Mail to) {
        Optional<Entry> entry = entryOf(from);
        if (entry.isPresent()) {
            from.getAttribute(TOKEN).ifPresent(to::setAttribute);
            claim(entry.get(), to.getRecipients());
        }
    }

    /**
     * The mail is done with these recipients (delivered, bounced, failed for good): their claims go,
     * and with the last claim the credentials.
     */
    public synchronized void doneWith(Mail mail, Collection<MailAddress> recipients) {
        Optional<String> token = tokenOf(mail);
        Entry entry = token.map(byToken::get).orElse(null);
        if (entry == null) {
            return;
        }
        for (MailAddress recipient : recipients) {
            entry.claims.computeIfPresent(recipient.asString(), (address, count) -> count > 1 ? count - 1 : null);
        }
        if (entry.claims.isEmpty()) {
            byToken.remove(token.get());
        }
    }

    /**
     * Why the mail, received with credentials held in memory ({@link #hadCredentialsFor}), finds
     * none here: which James holds them, or that this one let them go.
     */
    public String whyMissing(Mail mail) {
        String token = tokenOf(mail).orElse("");
        int dot = token.indexOf('.');
        String holdingJames = dot < 0 ? "" : token.substring(dot + 1);
        if (holdingJames.equals(holder)) {
            return "auth forward: the credentials this message's client authenticated with were kept in this James's memory and are"
                + " gone: the message waited longer than they are kept (" + Durations.describe(retention()) + ", credentialsRetention),"
                + " or more than " + MAX_HELD + " messages held credentials at once";
        }
        return "auth forward: the credentials this message's client authenticated with are kept in the memory of the James that"
            + " received it (" + (holdingJames.isEmpty() ? "an earlier one" : holdingJames) + "), and this is " + holder + ": the message was"
            + " received by another node, or before James restarted. To send across nodes and restarts, give ForwardCredentialsHook"
            + " and RemoteForwardMailet the same credentialsKeyFile";
    }

    /**
     * Forgets the mail's credentials now, whatever still claims them, and takes sealed ones off the
     * mail: nothing will be sent with them (the client was refused).
     */
    public synchronized void release(Mail mail) {
        tokenOf(mail).ifPresent(byToken::remove);
        mail.removeAttribute(CredentialsSeal.SEALED);
    }

    /** How long credentials are kept at most now. */
    public synchronized Duration retention() {
        return retention == null ? UNCLAIMED_RETENTION : retention;
    }

    /** How many mails' credentials are held. */
    public synchronized int size() {
        return byToken.size();
    }

    synchronized void forgetExpired() {
        Instant oldestKept = clock.instant().minus(retention());
        Iterator<Entry> entries = byToken.values().iterator();
        while (entries.hasNext()) {
            if (entries.next().deposited.isBefore(oldestKept)) {
                entries.remove();
            }
        }
    }

    /** One claim per distinct recipient of a mail (a client may name one twice; it is sent one copy). */
    private static void claim(Entry entry, Collection<MailAddress> recipients) {
        recipients.stream().map(MailAddress::asString).distinct()
            .forEach(recipient -> entry.claims.merge(recipient, 1, Integer::sum));
    }

    private Optional<Entry> entryOf(Mail mail) {
        return tokenOf(mail).map(byToken::get);
    }

    private static Optional<String> tokenOf(Mail mail) {
        return mail.getAttribute(TOKEN)
            .map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance)
            .map(String.class::cast);
    }

    /**
     * Forgets expired credentials every second, whether or not mail comes: one daemon thread for
     * the JVM, which holds the vaults weakly, so a James stopped is no vault kept alive.
     */
    private static final class Expiry {
        private static final Set<CredentialsVault> VAULTS = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
        private static final ScheduledExecutorService THREAD = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "remote-forward-credentials-expiry");
            thread.setDaemon(true);
            return thread;
        });

        static {
            THREAD.scheduleWithFixedDelay(Expiry::forgetExpired, 1, 1, TimeUnit.SECONDS);
        }

        static void watch(CredentialsVault vault) {
            VAULTS.add(vault);
        }

        private static void forgetExpired() {
            List<CredentialsVault> vaults;
            synchronized (VAULTS) {
                vaults = List.copyOf(VAULTS);
            }
            vaults.forEach(CredentialsVault::forgetExpired);
        }
    }
}
