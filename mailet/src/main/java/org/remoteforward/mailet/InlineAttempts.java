package org.remoteforward.mailet;

import java.util.OptionalInt;
import java.util.concurrent.Semaphore;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.config.Parameter;

/**
 * Where {@code service()} sends a mail, as {@code inline} says: to the outgoing queue, or into a
 * first attempt on James's spool thread. A spool thread attempting is tied to the downstream for
 * as long as it takes, and one that stalls mid-message holds it up to the data timeout, so no more
 * than {@code inlineThreads} spool threads attempt at once; a mail that finds them all busy is
 * queued. {@code inline idle}, the default, attempts only on a session that waits idle, so the spool
 * thread never waits for a session and does not connect for a mail's first one either.
 *
 * <p>Locking: the bound is a semaphore only tried, never waited on.
 */
final class InlineAttempts {
    private final DeliverySettings.Inline mode;
    /** Absent: no bound ({@code inline yes} without {@code inlineThreads}, as before the bound existed). */
    private final Semaphore attempting;
    private final int bound;

    private InlineAttempts(DeliverySettings.Inline mode, OptionalInt bound) {
        this.mode = mode;
        this.bound = bound.orElse(0);
        this.attempting = bound.isPresent() ? new Semaphore(bound.getAsInt()) : null;
    }

    /**
     * The bound {@code settings} ask for against James's spooler: {@code inlineThreads} when
     * given, which must leave one spool thread free; with {@code inline idle} and none given, half
     * the spool threads (none of one).
     *
     * @throws InvalidConfigurationException naming {@code inlineThreads} when every spool thread could be held
     */
    static InlineAttempts of(DeliverySettings settings, SpoolerThreads spooler) throws InvalidConfigurationException {
        DeliverySettings.Inline mode = settings.inline();
        if (mode == DeliverySettings.Inline.NO || spooler.count() == 0) {
            // a spooler switched off never calls service(): nothing to bound
            return new InlineAttempts(mode, OptionalInt.empty());
        }
        String threads = Parameter.INLINE_THREADS.parameterName();
        int spool = spooler.count();
        if (settings.inlineThreads().isPresent()) {
            int given = settings.inlineThreads().getAsInt();
            if (given >= spool) {
                throw new InvalidConfigurationException(threads, given + " would let a stalled downstream hold every one of James's "
                    + spool + " spool threads (<spooler><threads> in mailetcontainer.xml), and no other mail would move: give fewer");
            }
            return new InlineAttempts(mode, OptionalInt.of(given));
        }
        if (mode == DeliverySettings.Inline.YES) {
            return new InlineAttempts(mode, OptionalInt.empty());
        }
        // a spooler of one thread has none to spare: every mail is queued (a bound of 0)
        return new InlineAttempts(mode, OptionalInt.of(spool / 2));
    }

    /** Attempts the mail now or queues it: on return it is delivered, bounced, or queued for its first attempt or a retry. */
    void forward(Mail mail, QueuedForwarding forwarding) throws MessagingException {
        if (mode == DeliverySettings.Inline.NO) {
            forwarding.enqueue(mail);
            return;
        }
        if (attempting != null && !attempting.tryAcquire()) {
            forwarding.enqueue(mail);
            return;
        }
        try {
            if (mode == DeliverySettings.Inline.YES) {
                forwarding.attempt(mail);
            } else if (!forwarding.attemptIfIdle(mail)) {
                forwarding.enqueue(mail);
            }
        } finally {
            if (attempting != null) {
                attempting.release();
            }
        }
    }

    /** For the start-up line: what the first attempt does. */
    String describe() {
        return switch (mode) {
            case NO -> "";
            case YES -> attempting == null ? ", first attempt inline" : ", first attempt inline on up to " + bound + " spool threads";
            case IDLE -> bound == 0 ? ", every mail queued (inline idle: James's spooler has no thread to spare for a first attempt)"
                : ", first attempt inline on an idle session, on up to " + bound + " spool threads";
        };
    }
}
