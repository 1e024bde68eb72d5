package org.remoteforward.mailet;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Flux;

/**
 * Mail queues that behave as James 3.8.1's RabbitMQ queue does where it matters to retries: a
 * delayed enqueue is enqueued at once, and an item handed back (RETRY) comes back as it was first
 * enqueued, whatever was done to its mail since. Each queue records the prefetch it was created with.
 */
final class DelayIgnoringQueues implements MailQueueFactory<MailQueue> {
    private final MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
    private final Map<MailQueueName, Queue> queues = new ConcurrentHashMap<>();
    final List<String> prefetches = new CopyOnWriteArrayList<>();
    /** The names of the queues mails were enqueued to, one entry per mail. */
    final List<String> enqueued = new CopyOnWriteArrayList<>();

    @Override
    public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
        return Optional.ofNullable(queues.get(name));
    }

    @Override
    public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
        prefetches.add(name.asString() + "=" + count.asInt());
        return queues.computeIfAbsent(name, absent -> new Queue(memory.createQueue(absent), enqueued));
    }

    /** How many mails wait in the queue. */
    long size(String name) throws MailQueue.MailQueueException {
        return memory.getQueue(MailQueueName.of(name)).orElseThrow().getSize();
    }

    @Override
    public Set<MailQueueName> listCreatedMailQueues() {
        return Set.copyOf(queues.keySet());
    }

    private static final class Queue implements MailQueue {
        private final MailQueue stored;
        private final List<String> enqueued;

        Queue(MailQueue stored, List<String> enqueued) {
            this.stored = stored;
            this.enqueued = enqueued;
        }

        @Override
        public MailQueueName getName() {
            return stored.getName();
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            enQueue(mail);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            stored.enQueue(mail);
            enqueued.add(getName().asString());
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return stored.enqueueReactive(mail);
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return Flux.from(stored.deQueue()).map(item -> {
                try {
                    return new Item(item, MailImpl.duplicate(item.getMail()));
                } catch (javax.mail.MessagingException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        @Override
        public void close() throws java.io.IOException {
            stored.close();
        }

        /** An item whose RETRY puts back the mail as it was enqueued. */
        private final class Item implements MailQueueItem {
            private final MailQueueItem item;
            private final Mail asEnqueued;

            Item(MailQueueItem item, Mail asEnqueued) {
                this.item = item;
                this.asEnqueued = asEnqueued;
            }

            @Override
            public Mail getMail() {
                return item.getMail();
            }

            @Override
            public void done(CompletionStatus status) throws MailQueueException {
                item.done(CompletionStatus.SUCCESS);
                try {
                    if (status == CompletionStatus.RETRY) {
                        Queue.this.enQueue(asEnqueued);
                    }
                } finally {
                    LifecycleUtil.dispose(asEnqueued);
                }
            }
        }
    }
}
