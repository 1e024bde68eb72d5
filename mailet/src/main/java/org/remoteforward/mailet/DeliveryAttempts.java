package org.remoteforward.mailet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Envelope;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of a mail, and what follows from each recipient's outcome: delivered
 * recipients are done; temporary failures wait in the outgoing queue for the next attempt, as
 * the schedule says, until {@code maxRetries} is spent; permanent failures, and temporary ones
 * past that, are bounced. Only recipients still pending are ever sent again.
 */
final class DeliveryAttempts {
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryAttempts.class);

    private final DownstreamSender sender;
    private final DeliverySettings settings;
    private final DelayedRetries retries;
    private final StatusReports reports;
    private final DeliveryNotices notices;
    private final DeliveryMetrics metrics;
    private final CredentialsVault vault;
    private final ForwardedCredentials credentials;
    private final Clock clock;

    DeliveryAttempts(DownstreamSender sender, DeliverySettings settings, DelayedRetries retries, StatusReports reports,
                     DeliveryMetrics metrics, CredentialsVault vault, ForwardedCredentials credentials, Clock clock) {
        this.sender = sender;
        this.settings = settings;
        this.retries = retries;
        this.reports = reports;
        this.notices = new DeliveryNotices(reports);
        this.metrics = metrics;
        this.vault = vault;
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * Attempts the mail's pending recipients. On return every one of them is delivered, bounced or
     * queued for the next attempt, and the mail's own recipients are empty.
     *
     * @throws MessagingException when James refuses the retry or the bounce; the mail then keeps
     *         only the recipients not yet dealt with, so the caller can put it back as it stands
     */
    void attempt(Mail mail) throws MessagingException {
        attempt(mail, false);
    }

    /**
     * As {@link #attempt}, only if a session to the endpoint the attempt would use waits idle
     * ({@link DownstreamSender#deliverIfIdle}): false, with the mail untouched, when none does.
     */
    boolean attemptIfIdle(Mail mail) throws MessagingException {
        return attempt(mail, true);
    }

    private boolean attempt(Mail mail, boolean onlyIfIdle) throws MessagingException {
        Collection<MailAddress> recipients = mail.getRecipients();
        if (recipients.isEmpty()) {
            return true;
        }
        int attempt = RetryState.attempts(mail) + 1;
        ForwardedCredentials.Found found = sender.forwardsClientCredentials() ? credentials.find(mail) : ForwardedCredentials.Found.none();
        Envelope envelope = new Envelope(
            mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse(""),
            recipients.stream().map(MailAddress::asString).toList(),
            found.credentials(),
            MailOrigin.of(mail),
            MailDsn.of(mail));

        DeliveryMetrics.Attempt clocks = metrics.start();
        Optional<DeliveryResult> result;
        if (found.missing().isPresent()) {
            result = Optional.of(credentialsMissing(envelope, found.missing().get(), found.keyMismatch()));
        } else if (onlyIfIdle) {
            result = sender.deliverIfIdle(envelope, new MailMessageSource(mail));
        } else {
            result = Optional.of(sender.deliver(envelope, new MailMessageSource(mail)));
        }
        if (result.isEmpty()) {
            return false;
        }
        try {
            settle(mail, attempt, result.get(), found.keyMismatch());
        } finally {
            metrics.record(clocks, result.get());
        }
        return true;
    }

    /**
     * Acts on the outcome of attempt number {@code attempt} of the mail: delivered recipients are
     * done, temporary failures are queued for the next attempt while retries are left, the rest
     * are bounced. On return the mail's own recipients are empty.
     *
     * @throws MessagingException when James refuses the retry or the bounce; the mail then keeps its failed recipients
     */
    void settle(Mail mail, int attempt, DeliveryResult result) throws MessagingException {
        settle(mail, attempt, result, false);
    }

    /** As {@link #settle(Mail, int, DeliveryResult)}; {@code keepWhole}: those that fail for good go to the error processor, whole, not bounced. */
    private void settle(Mail mail, int attempt, DeliveryResult result, boolean keepWhole) throws MessagingException {
        // delivered recipients leave first: should what follows fail, the mail as it then stands is what goes back to the queue
        mail.setRecipients(MailCopies.addresses(result.failed()));
        List<RecipientResult> retry = new ArrayList<>();
        List<RecipientResult> bounce = new ArrayList<>();
        // never sent: every usable endpoint was at its maxMessagesPerMinute; waiting its turn spends no retry
        List<RecipientResult> waitTurn = new ArrayList<>();
        boolean retriesLeft = attempt <= settings.maxRetries();
        for (RecipientResult recipient : result.failed()) {
            if (recipient.outcome() == Outcome.PERMANENT_FAILURE) {
                bounce.add(recipient);
            } else if (recipient.waitTurn().isPresent()) {
                waitTurn.add(recipient);
            } else if (retriesLeft) {
                retry.add(recipient);
            } else {
                bounce.add(gaveUp(recipient, attempt));
            }
        }
        Optional<Duration> delay = retry.isEmpty() ? Optional.empty() : Optional.of(settings.schedule().delayBefore(attempt));
        Optional<Duration> turn = waitTurn.stream().map(r -> r.waitTurn().orElseThrow()).max(Duration::compareTo);
        log(mail, attempt, result, delay, turn);

        notices.delivered(mail, result.delivered());
        if (!bounce.isEmpty() && keepWhole) {
            reports.keepWhole(mail, bounce);
        } else if (!bounce.isEmpty()) {
            reports.failed(mail, bounce);
        }
        if (turn.isPresent()) {
            waitTurn(mail, attempt, waitTurn, turn.get(), !retry.isEmpty());
        }
        if (delay.isPresent()) {
            mail.setRecipients(MailCopies.addresses(retry));
            mail.setAttribute(FailureAttributes.of(retry));
            RetryState.recordAttempt(mail, attempt, clock.instant().plus(delay.get()));
            retries.enqueue(mail, delay.get());
        }
        // nothing will be sent to the delivered and bounced ones again with the client's credentials (a bounce holds its own claim)
        List<RecipientResult> done = new ArrayList<>(result.delivered());
        done.addAll(bounce);
        vault.doneWith(mail, MailCopies.addresses(done));
        mail.setRecipients(List.of());
    }

    /**
     * Queues the recipients that wait for a rate-limit slot, for when one frees, with the attempt
     * count as it was: the mail itself when they are all that is left, else a copy for them, taken
     * off the mail so that nobody goes back twice should the others' retry fail.
     */
    private void waitTurn(Mail mail, int attempt, List<RecipientResult> waiting, Duration wait, boolean othersRetry)
        throws MessagingException {
        Instant due = clock.instant().plus(wait);
        if (!othersRetry) {
            mail.setRecipients(MailCopies.addresses(waiting));
            mail.setAttribute(FailureAttributes.of(waiting));
            RetryState.recordAttempt(mail, attempt - 1, due);
            retries.enqueue(mail, wait);
            return;
        }
        MailCopies.withCopy(mail, waiting, copy -> {
            copy.setAttribute(FailureAttributes.of(waiting));
            RetryState.recordAttempt(copy, attempt - 1, due);
            retries.enqueue(copy, wait);
        });
        List<MailAddress> rest = new ArrayList<>(mail.getRecipients());
        rest.removeAll(MailCopies.addresses(waiting));
        mail.setRecipients(rest);
    }

    private static RecipientResult gaveUp(RecipientResult last, int attempts) {
        return last.withDetail("gave up after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + last.detail());
    }

    /** One line per attempt: which mail, which endpoint, who got it, who did not and why, what comes next. */
    private static void log(Mail mail, int attempt, DeliveryResult result, Optional<Duration> retryIn, Optional<Duration> turnIn) {
        if (!LOGGER.isInfoEnabled()) {
            return;
        }
        List<Endpoint> used = result.endpointsUsed();
        String endpoint = used.isEmpty() ? "no endpoint" : used.stream().map(Object::toString).collect(Collectors.joining(", "));
        String delivered = result.delivered().stream().map(r -> PrintableText.address(r.recipient())).collect(Collectors.joining(", "));
        String failed = result.failedForLog();
        LOGGER.info("mail {} attempt {} via {}: delivered [{}] failed [{}]{}", mail.getName(), attempt, endpoint, delivered, failed,
            retryIn.map(d -> "; next attempt in " + d).orElse("")
                + turnIn.map(d -> "; those at the rate limit wait their turn, " + d + ", not counted as an attempt").orElse(""));
    }

    /**
     * The mail was received with credentials that cannot be used here: it is never sent without
     * them. Sealed with a key this node lacks, it waits for its retries (the operator can fix it);
     * otherwise the credentials are gone for good.
     */
    private static DeliveryResult credentialsMissing(Envelope envelope, String why, boolean keyMismatch) {
        String detail = keyMismatch ? why : why + "; it cannot be sent on the client's behalf";
        Refusal refusal = Refusal.credentialsUnavailable(detail, keyMismatch);
        return new DeliveryResult(envelope.recipients().stream().distinct()
            .map(recipient -> RecipientResult.refused(recipient, refusal))
            .toList(), Optional.empty());
    }
}
