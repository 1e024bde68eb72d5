package org.remoteforward.mailet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.ManageableMailQueue;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.EndpointState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarders running in this James (each RemoteForwardMailet, the SMTP hooks), and how each
 * stands: its endpoints, its queue's backlog and the age of its oldest mail. One per James (a
 * Guice singleton, as the credentials vault is), read by {@link RemoteForwardHealthCheck}.
 */
@Singleton
public final class ForwardingHealth {
    private static final Logger LOGGER = LoggerFactory.getLogger(ForwardingHealth.class);
    /** Browsing a queue costs a read of its mails: no more than this many per queue and check. */
    static final int BROWSE_LIMIT = 10_000;

    private final List<Forwarder> forwarders = new CopyOnWriteArrayList<>();

    @Inject
    public ForwardingHealth() {
    }

    /**
     * One forwarder: its name in reports, its sender, the queues its mails wait in (none for a
     * synchronous forwarder without a queue), and how long a mail may wait before it is worth
     * saying.
     */
    record Forwarder(String name, DownstreamSender sender, List<MailQueue> queues, Duration queueAgeLimit) {
    }

    /** How a forwarder stands at one moment. */
    record Report(String name, List<EndpointState> endpoints, long backlog, Optional<Instant> oldestSince, Duration queueAgeLimit) {
        boolean noEndpointWorks() {
            return !endpoints.isEmpty() && endpoints.stream().allMatch(EndpointState::failing);
        }

        boolean someEndpointFails() {
            return endpoints.stream().anyMatch(EndpointState::failing);
        }

        boolean waitingTooLong(Instant now) {
            return oldestSince.map(since -> Duration.between(since, now).compareTo(queueAgeLimit) > 0).orElse(false);
        }
    }

    /** Where a forwarder reports, under which name (the mailet's name and processor, or the SMTP hooks'). */
    public record Named(ForwardingHealth registry, String name) {
    }

    /** Adds a forwarder without a queue of its own (the SMTP hooks handing failed recipients to a processor). */
    public AutoCloseable register(DownstreamSender sender, String name) {
        return register(new Forwarder(name, sender, List.of(), Duration.ZERO));
    }

    /** Removes what {@link #register} added; never throws. */
    public static void unregister(AutoCloseable registration) {
        try {
            registration.close();
        } catch (Exception e) {
            LOGGER.debug("health registration could not be removed", e);
        }
    }

    /** Adds a forwarder; closing what this returns removes it (the mailet or hook stopped). */
    AutoCloseable register(Forwarder forwarder) {
        forwarders.add(forwarder);
        return () -> forwarders.remove(forwarder);
    }

    /** Every forwarder's report, in the order they started. */
    List<Report> reports() {
        List<Report> reports = new ArrayList<>();
        for (Forwarder forwarder : forwarders) {
            long backlog = 0;
            Optional<Instant> oldest = Optional.empty();
            for (MailQueue queue : forwarder.queues()) {
                if (queue instanceof ManageableMailQueue manageable) {
                    try {
                        backlog += manageable.getSize();
                        oldest = earliest(oldest, oldestIn(manageable));
                    } catch (Exception e) {
                        LOGGER.debug("queue {} could not be read for the health check", queue.getName().asString(), e);
                    }
                }
            }
            reports.add(new Report(forwarder.name(), forwarder.sender().endpointStates(), backlog, oldest, forwarder.queueAgeLimit()));
        }
        return reports;
    }

    private static Optional<Instant> oldestIn(ManageableMailQueue queue) throws Exception {
        Optional<Instant> oldest = Optional.empty();
        ManageableMailQueue.MailQueueIterator items = queue.browse();
        try {
            for (int read = 0; read < BROWSE_LIMIT && items.hasNext(); read++) {
                oldest = earliest(oldest, QueueAge.since(items.next().getMail()));
            }
        } finally {
            items.close();
        }
        return oldest;
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().isBefore(b.get()) ? a : b;
    }
}
