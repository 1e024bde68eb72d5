package org.remoteforward.mailet;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.config.Parameter;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;

/**
 * Forwarding through an outgoing James mail queue, with the delivery guarantees: workers take
 * mails from the queue and attempt them; temporary failures wait in the queue for the next attempt
 * on the retry schedule; permanent ones, and temporary ones past {@code maxRetries}, are bounced.
 * RemoteForwardMailet is built on it, and so is synchronous forwarding for the recipients its
 * client was told were taken but the downstream did not take.
 */
public final class QueuedForwarding implements AutoCloseable {
    private final MailQueue queue;
    private final DeliveryAttempts attempts;
    private final DelayedRetries retries;
    private final QueueWorkers workers;
    /** Present on James's memory queue: WebAdmin's listing would otherwise close it (see {@link MemoryQueuePin}). */
    private final Optional<MemoryQueuePin> pin;
    private final AutoCloseable healthRegistration;
    private final Clock clock;

    private QueuedForwarding(MailQueue queue, Optional<MemoryQueuePin> pin, DeliveryAttempts attempts, DelayedRetries retries,
                             QueueWorkers workers, AutoCloseable healthRegistration, Clock clock) {
        this.queue = queue;
        this.pin = pin;
        this.healthRegistration = healthRegistration;
        this.clock = clock;
        this.attempts = attempts;
        this.retries = retries;
        this.workers = workers;
    }

    /**
     * Creates (or joins) the configured outgoing queue and starts its workers.
     *
     * @throws InvalidConfigurationException when {@code errorProcessor} or {@code bounceProcessor} names a processor James lacks,
     *     or {@code credentialsKeyFile} holds no key
     */
    static QueuedForwarding start(ForwardConfig config, DownstreamSender sender, ForwardingParts parts, ForwardingHealth.Named health)
        throws InvalidConfigurationException {
        MailetContext context = parts.context();
        MailQueueFactory<?> queues = parts.queues();
        CredentialsVault vault = parts.vault();
        ProcessorNames processors = parts.processors();
        Clock clock = parts.clock();
        DeliverySettings delivery = config.delivery();
        // failed recipients go there: a name James does not know would lose them
        processors.require(Parameter.ERROR_PROCESSOR.parameterName(), config.errorProcessor());
        processors.require(Parameter.BOUNCE_PROCESSOR.parameterName(), delivery.bounceProcessor());
        ForwardedCredentials credentials = ForwardedCredentials.of(vault, delivery);
        // a broker hands each consumer no more unacknowledged mails than its prefetch: as many as there are workers
        MailQueue queue = queues.createQueue(MailQueueName.of(delivery.outgoingQueue()), MailQueueFactory.prefetchCount(delivery.deliveryThreads()));
        Optional<MemoryQueuePin> pin = MemoryQueuePin.pin(queue);
        DelayedRetries retries = delayedRetries(delivery, queues, queue, clock);
        Optional<ForwardedCredentials> forwardedCredentials = sender.forwardsClientCredentials() ? Optional.of(credentials) : Optional.empty();
        if (sender.forwardsClientCredentials()) {
            vault.retainFor(delivery.credentialsRetention());
        }
        StatusReports reports = StatusReports.of(config, context, forwardedCredentials, clock);
        DeliveryAttempts attempts = new DeliveryAttempts(sender, delivery, retries, reports,
            new DeliveryMetrics(parts.metrics(), config.sender().endpoints()), vault, credentials, clock);
        UnexpectedFailures unexpected = new UnexpectedFailures(context, config.errorProcessor(), delivery.schedule(), retries, vault);
        QueueWorkers workers = new QueueWorkers(queue, delivery.deliveryThreads(), "remote-forward-delivery", mail -> {
            try {
                attempts.attempt(mail);
            } catch (Exception e) {
                unexpected.recover(mail, e);
            }
        });
        workers.start();
        List<MailQueue> waitingIn = new ArrayList<>(List.of(queue));
        waitingIn.addAll(retries.waitingQueues());
        AutoCloseable registration = health.registry().register(new ForwardingHealth.Forwarder(health.name(), sender, waitingIn,
            delivery.healthQueueAge()));
        return new QueuedForwarding(queue, pin, attempts, retries, workers, registration, clock);
    }

    /**
     * James's queues known to hold a delayed mail back until it is due, by class: with {@code
     * retryDelays auto} any other queue gets wait queues, which hold on every queue. Only the
     * memory queue: RabbitMQ's ignores delays, and the JMS/ActiveMQ queue picks due mails with a
     * selector fixed when it starts waiting up to 10 seconds for one, so a delayed mail comes up
     * to 10 s late (3 s retries tried after 10 s, measured). Known by name, so that the mailet
     * needs none of their jars.
     */
    private static final Set<String> QUEUES_THAT_DELAY = Set.of("org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue");

    /** The way of delaying retries {@code settings} ask for on the {@code outgoing} queue, started. */
    private static DelayedRetries delayedRetries(DeliverySettings settings, MailQueueFactory<?> queues, MailQueue outgoing, Clock clock) {
        boolean queueDelays = switch (settings.retryDelays()) {
            case QUEUE -> true;
            case WAIT_QUEUES -> false;
            case AUTO -> QUEUES_THAT_DELAY.contains(outgoing.getClass().getName());
        };
        return queueDelays ? new QueueDelays(outgoing)
            : WaitQueues.start(queues, outgoing, settings.schedule(), settings.retryHoldLimit(), clock);
    }

    /** Leaves the mail to the workers; it goes out with the next free one. */
    public void enqueue(Mail mail) throws MessagingException {
        QueueAge.stamp(mail, clock.instant());
        queue.enQueue(mail);
    }

    /** Attempts the mail now, in the caller's thread; what it cannot deliver is queued for retry or bounced. */
    public void attempt(Mail mail) throws MessagingException {
        QueueAge.stamp(mail, clock.instant());
        attempts.attempt(mail);
    }

    /**
     * As {@link #attempt}, only if a session to the endpoint the attempt would use waits idle now:
     * false, with nothing sent, when none does (the mail is then for {@link #enqueue}).
     */
    public boolean attemptIfIdle(Mail mail) throws MessagingException {
        QueueAge.stamp(mail, clock.instant());
        return attempts.attemptIfIdle(mail);
    }

    /**
     * Takes over a mail whose first attempt was made elsewhere (during its client's SMTP
     * transaction): its recipients that failed temporarily wait for the next attempt, the others
     * are bounced, exactly as if the workers had made that attempt.
     *
     * @param mail a mail for the recipients of {@code firstAttempt}
     */
    public void takeOver(Mail mail, DeliveryResult firstAttempt) throws MessagingException {
        QueueAge.stamp(mail, clock.instant());
        attempts.settle(mail, 1, firstAttempt);
    }

    /** Stops the workers and this node's releasers of waiting mails; what waits in the queues stays there. */
    @Override
    public void close() {
        workers.close();
        retries.close();
        pin.ifPresent(MemoryQueuePin::close);
        ForwardingHealth.unregister(healthRegistration);
    }
}
