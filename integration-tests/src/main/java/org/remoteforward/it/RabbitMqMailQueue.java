package org.remoteforward.it;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.james.backends.rabbitmq.RabbitMQConfiguration;
import org.apache.james.backends.rabbitmq.ReactorRabbitMQChannelPool;
import org.apache.james.backends.rabbitmq.ReceiverProvider;
import org.apache.james.backends.rabbitmq.SimpleConnectionPool;
import org.apache.james.blob.api.BlobId;
import org.apache.james.blob.api.BlobStoreDAO;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueueFactory;
import org.apache.james.queue.rabbitmq.view.RabbitMQMailQueueConfiguration;
import org.apache.james.queue.rabbitmq.view.api.FakeMailQueueView;
import org.apache.james.queue.rabbitmq.view.api.MailQueueView;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;
import com.google.inject.multibindings.ProvidesIntoSet;

import reactor.rabbitmq.RabbitFlux;
import reactor.rabbitmq.ReceiverOptions;
import reactor.rabbitmq.Sender;

/**
 * Distributed James's mail queue in the memory app: James 3.8.1's RabbitMQ queue for the spool and
 * for every other queue, RemoteForwardMailet's included, as James's {@code RabbitMQModule} binds it
 * (that Guice module is not on Maven Central at 3.8.x), with the Cassandra view of the queue off
 * (as {@code cassandra.view.enabled=false}) and James's blobs in a folder several James JVMs share.
 */
public final class RabbitMqMailQueue extends AbstractModule {
    private final URI amqp;
    private final URI management;
    private final String user;
    private final Path blobs;
    private final Predicate<byte[]> refusedBlobs;

    public RabbitMqMailQueue(RabbitMqBroker broker, Path blobs) {
        this(broker, blobs, blob -> false);
    }

    /** @param refusedBlobs blobs the store fails to save: what James then enqueues fails */
    RabbitMqMailQueue(RabbitMqBroker broker, Path blobs, Predicate<byte[]> refusedBlobs) {
        this(broker.amqpUri(), broker.managementUri(), broker.user(), blobs, refusedBlobs);
    }

    RabbitMqMailQueue(URI amqp, URI management, String user, Path blobs, Predicate<byte[]> refusedBlobs) {
        this.amqp = amqp;
        this.management = management;
        this.user = user;
        this.blobs = blobs;
        this.refusedBlobs = refusedBlobs;
    }

    @Override
    protected void configure() {
        bind(SimpleConnectionPool.class).in(Scopes.SINGLETON);
        bind(MailQueueView.Factory.class).toInstance(new FakeMailQueueView.Factory());
    }

    @Provides
    @Singleton
    BlobStoreDAO blobStore(BlobId.Factory ids) {
        return new FolderBlobStore(blobs, ids, refusedBlobs);
    }

    @Provides
    @Singleton
    RabbitMQConfiguration configuration() {
        return RabbitMQConfiguration.builder()
            .amqpUri(amqp)
            .managementUri(management)
            .managementCredentials(new RabbitMQConfiguration.ManagementCredentials(user, user.toCharArray()))
            .build();
    }

    @Provides
    @Singleton
    RabbitMQMailQueueConfiguration queueConfiguration() {
        return RabbitMQMailQueueConfiguration.sizeMetricsEnabled();
    }

    @Provides
    @Singleton
    SimpleConnectionPool.Configuration poolConfiguration() {
        return SimpleConnectionPool.Configuration.DEFAULT;
    }

    @Provides
    @Singleton
    ReactorRabbitMQChannelPool channelPool(SimpleConnectionPool pool, MetricFactory metrics) {
        ReactorRabbitMQChannelPool channels = new ReactorRabbitMQChannelPool(pool.getResilientConnection(),
            ReactorRabbitMQChannelPool.Configuration.DEFAULT, metrics);
        channels.start();
        return channels;
    }

    @Provides
    @Singleton
    Sender sender(ReactorRabbitMQChannelPool channels) {
        return channels.getSender();
    }

    @Provides
    @Singleton
    ReceiverProvider receivers(SimpleConnectionPool pool) {
        return () -> RabbitFlux.createReceiver(new ReceiverOptions().connectionMono(pool.getResilientConnection()));
    }

    @Provides
    @Singleton
    MailQueueFactory<RabbitMQMailQueue> rabbit(RabbitMQMailQueueFactory factory) {
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends ManageableMailQueue> manageable(MailQueueFactory<RabbitMQMailQueue> factory) {
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<?> any(MailQueueFactory<RabbitMQMailQueue> factory) {
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends MailQueue> plain(MailQueueFactory<RabbitMQMailQueue> factory) {
        return factory;
    }

    @ProvidesIntoSet
    InitializationOperation connections(SimpleConnectionPool pool) {
        return InitilizationOperationBuilder.forClass(SimpleConnectionPool.class).init(() -> pool.init(Set.of()));
    }
}
