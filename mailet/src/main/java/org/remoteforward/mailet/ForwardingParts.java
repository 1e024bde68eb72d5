package org.remoteforward.mailet;

import java.time.Clock;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.MailetContext;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.InvalidTlsSettingException;
import org.remoteforward.sender.SenderSettings;

/**
 * What James hands a forwarder (RemoteForwardMailet, the SMTP hooks), and the one way both put
 * their parts together from it: the sender for the downstream, then the queued forwarding that
 * retries and bounces. A part that cannot start fails naming the parameter at fault, and closes
 * what was already opened.
 *
 * @param context James's mailet context, for bounces and processors
 * @param queues James's mail queues
 * @param metrics James's metric factory
 * @param vault {@code auth forward}'s credentials held in memory
 * @param processors the processors James has, to check those named
 * @param health where the forwarder reports for {@code /remote-forward/health}
 * @param clock the time retries, bounces and the health check read
 */
public record ForwardingParts(MailetContext context, MailQueueFactory<?> queues, MetricFactory metrics, CredentialsVault vault,
                              ProcessorNames processors, ForwardingHealth health, Clock clock) {

    /** The sender for {@code settings}; a TLS setting it cannot use fails naming its parameter. */
    public static DownstreamSender sender(SenderSettings settings) throws InvalidConfigurationException {
        try {
            return DownstreamSender.create(settings);
        } catch (InvalidTlsSettingException e) {
            throw new InvalidConfigurationException(ForwardConfigParser.parameterFor(e.setting()), e.getMessage(), e);
        }
    }

    /**
     * Starts the queued forwarding of {@code config} over {@code sender}, shown in the health
     * answer as {@code name} and its queue; when it cannot start, {@code sender} is closed.
     */
    public QueuedForwarding queued(String name, ForwardConfig config, DownstreamSender sender) throws InvalidConfigurationException {
        try {
            return QueuedForwarding.start(config, sender, this,
                new ForwardingHealth.Named(health, name + " (queue " + config.delivery().outgoingQueue() + ")"));
        } catch (InvalidConfigurationException | RuntimeException e) {
            sender.close();
            throw e;
        }
    }
}
