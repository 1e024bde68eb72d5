package org.remoteforward.mailet;

import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.remoteforward.config.DeliverySettings;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.sender.DownstreamSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards each mail, unmodified, to a fixed list of SMTP or LMTP servers, as maddy's
 * {@code target.smtp} and {@code target.lmtp} do, with James's delivery guarantees.
 *
 * <p>{@code service()} makes the first attempt itself when {@code inline} allows it (by default
 * when a session to the downstream waits idle), on at most {@code inlineThreads} of James's spool
 * threads at once ({@link InlineAttempts}), and otherwise puts the mail in the outgoing queue
 * ({@code outgoingQueue}, default {@code remote-forward}); either way it ghosts the mail.
 * {@code deliveryThreads} workers take mails from that queue and deliver them.
 * Recipients the downstream accepts are done. Temporary failures wait in the queue and are retried
 * on the {@code delayTime} schedule, up to {@code maxRetries}; permanent ones, and temporary ones
 * past that, are bounced to the sender (an RFC 3464 DSN, or via {@code bounceProcessor}), never to
 * the null sender. A mail's state lives in its attributes ({@value FailureAttributes#NAME} and
 * those of {@link RetryState}), so any James mail queue, distributed or persistent, carries it.
 *
 * <p>Parameters are parsed once, at {@link #init()}, which fails on any value it cannot use with
 * a message naming the parameter. See the README for the list.
 */
public class RemoteForwardMailet extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(RemoteForwardMailet.class);

    private final MailQueueFactory<?> queues;
    private final MetricFactory metricFactory;
    private final CredentialsVault vault;
    private final ProcessorNames processors;
    private final ForwardingHealth health;
    private final SpoolerThreads spooler;
    private final Clock clock;
    private ForwardConfig config;
    private DownstreamSender sender;
    private QueuedForwarding forwarding;
    private InlineAttempts inline;

    @Inject
    public RemoteForwardMailet(MailQueueFactory<?> queues, MetricFactory metricFactory, CredentialsVault vault, ProcessorNames processors,
                               ForwardingHealth health, SpoolerThreads spooler) {
        this(queues, metricFactory, vault, processors, health, spooler, Clock.systemUTC());
    }

    /**
     * With a health registry of its own, for a mailet made outside James's injector (tests,
     * benchmarks): James's spooler is taken to run its default thread count.
     */
    public RemoteForwardMailet(MailQueueFactory<?> queues, MetricFactory metricFactory, CredentialsVault vault, ProcessorNames processors) {
        this(queues, metricFactory, vault, processors, new ForwardingHealth(), SpoolerThreads.jamesDefault(), Clock.systemUTC());
    }

    RemoteForwardMailet(MailQueueFactory<?> queues, MetricFactory metricFactory, CredentialsVault vault, ProcessorNames processors,
                        ForwardingHealth health, SpoolerThreads spooler, Clock clock) {
        this.spooler = spooler;
        this.queues = queues;
        this.metricFactory = metricFactory;
        this.vault = vault;
        this.processors = processors;
        this.health = health;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<String> names = getInitParameterNames(); names.hasNext(); ) {
            String name = names.next();
            parameters.put(name, getInitParameter(name));
        }
        try {
            config = ForwardConfigParser.parse(parameters, defaultHeloName());
            inline = InlineAttempts.of(config.delivery(), spooler);
            sender = ForwardingParts.sender(config.sender());
            forwarding = new ForwardingParts(getMailetContext(), queues, metricFactory, vault, processors, health, clock)
                .queued(getMailetName(), config, sender);
        } catch (InvalidConfigurationException e) {
            throw new MessagingException(getMailetName() + " " + e.getMessage(), e);
        }
        DeliverySettings delivery = config.delivery();
        config.warnings().forEach(warning -> LOGGER.warn("{}: {}", getMailetName(), warning));
        LOGGER.info("{} forwards over {} to {} through queue {} ({} threads{})", getMailetName(), config.sender().protocol(),
            config.sender().endpoints(), delivery.outgoingQueue(), delivery.deliveryThreads(), inline.describe());
    }

    private String defaultHeloName() {
        return JamesHeloName.of(getMailetContext());
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (!mail.getRecipients().isEmpty()) {
            inline.forward(mail, forwarding);
        }
        mail.setState(Mail.GHOST);
    }

    @Override
    public void destroy() {
        if (forwarding != null) {
            forwarding.close();
        }
        if (sender != null) {
            sender.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "RemoteForwardMailet: transparent SMTP/LMTP forwarding to fixed targets";
    }
}
