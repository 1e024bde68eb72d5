package org.remoteforward.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import javax.jms.ConnectionFactory;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQPrefetchPolicy;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollectorNoop;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueItemDecoratorFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

/**
 * Puts James's ActiveMQ mail queue, persisted by KahaDB under {@code store}, in place of the
 * memory app's memory queue, for the spool and for RemoteForwardMailet's outgoing queue alike:
 * what waits in it survives a restart of James. The broker is embedded, reached only in-VM (it
 * opens no port), and whole mails are kept in the KahaDB journal (no blob files), so the journal
 * is exactly what the queue holds on disk.
 *
 * <p>One instance per James start; {@link #close()} after James stopped shuts the broker down.
 */
final class PersistentMailQueue extends AbstractModule implements AutoCloseable {
    private final Path store;
    private final String brokerName = "james-" + UUID.randomUUID();
    private BrokerService broker;
    private ActiveMQMailQueueFactory factory;

    PersistentMailQueue(Path store) {
        this.store = store;
    }

    @Provides
    @Singleton
    ActiveMQMailQueueFactory factory(MailQueueItemDecoratorFactory decorators, MetricFactory metrics, GaugeRegistry gauges) throws Exception {
        broker = new BrokerService();
        broker.setBrokerName(brokerName);
        broker.setPersistent(true);
        broker.setUseJmx(false);
        broker.setUseShutdownHook(false);
        broker.setSchedulerSupport(false);
        broker.setDataDirectoryFile(store.resolve("broker").toFile());
        KahaDBPersistenceAdapter kahaDb = new KahaDBPersistenceAdapter();
        kahaDb.setDirectory(store.resolve("kahadb").toFile());
        broker.setPersistenceAdapter(kahaDb);
        broker.start();
        broker.waitUntilStarted();

        ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory("vm://" + brokerName + "?create=false");
        connections.setTrustAllPackages(false);
        ActiveMQPrefetchPolicy prefetch = new ActiveMQPrefetchPolicy();
        // a consumer holds no mail it has not taken: with prefetch, a stopped James could strand some
        prefetch.setQueuePrefetch(0);
        connections.setPrefetchPolicy(prefetch);
        factory = new ActiveMQMailQueueFactory((ConnectionFactory) connections, decorators, metrics, gauges, new ActiveMQMetricCollectorNoop());
        factory.setUseJMX(false);
        factory.setUseBlobMessages(false);
        factory.init();
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends ManageableMailQueue> manageable(ActiveMQMailQueueFactory factory) {
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<?> any(ActiveMQMailQueueFactory factory) {
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends MailQueue> plain(ActiveMQMailQueueFactory factory) {
        return factory;
    }

    /** The mails waiting in {@code queue}, as James would hand them to its mailets. */
    <T> List<T> browse(String queue, MailView<T> view) throws Exception {
        List<T> seen = new ArrayList<>();
        ManageableMailQueue.MailQueueIterator items = factory.getQueue(MailQueueName.of(queue)).orElseThrow().browse();
        try {
            while (items.hasNext()) {
                Mail mail = items.next().getMail();
                try {
                    seen.add(view.of(mail));
                } finally {
                    LifecycleUtil.dispose(mail);
                }
            }
        } finally {
            items.close();
        }
        return seen;
    }

    /** The mails waiting in every queue whose name starts with {@code prefix} (an outgoing queue and its wait queues). */
    <T> List<T> browseAll(String prefix, MailView<T> view) throws Exception {
        List<T> seen = new ArrayList<>();
        for (MailQueueName name : factory.listCreatedMailQueues()) {
            if (name.asString().startsWith(prefix)) {
                seen.addAll(browse(name.asString(), view));
            }
        }
        return seen;
    }

    /** What a test reads from a queued mail, before the mail's resources are let go. */
    @FunctionalInterface
    interface MailView<T> {
        T of(Mail mail) throws Exception;
    }

    /** Every byte the queue keeps on disk. */
    byte[] storedBytes() throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (Stream<Path> files = Files.walk(store)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                all.write(Files.readAllBytes(file));
            }
        }
        return all.toByteArray();
    }

    @Override
    public void close() throws Exception {
        if (factory != null) {
            factory.destroy();
        }
        if (broker != null) {
            broker.stop();
            broker.waitUntilStopped();
        }
    }
}
