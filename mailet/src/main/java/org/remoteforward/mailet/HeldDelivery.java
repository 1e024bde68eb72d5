package org.remoteforward.mailet;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.james.queue.api.MailQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a dequeued item is still the broker's to take back from this node: what a wait-queue
 * releaser asks after holding a mail unacknowledged for its whole stage, before it moves the mail
 * on.
 *
 * <p>James 3.8.1's RabbitMQ queue hands out items over a connection the RabbitMQ client recovers
 * by itself when the broker restarts. The broker then hands the unacknowledged message out again,
 * and the client silently drops the old delivery's acknowledgement (its tag belongs to the channel
 * before the recovery): a releaser that moved the mail on regardless released it twice, with no
 * error. So the item's channel is read when the mail is taken (James's item, the reactor-rabbitmq
 * delivery it acknowledges through, and that delivery's channel, by reflection: James's API says
 * nothing of channels), and the mail counts as held only while that channel is open and is still
 * the same one underneath. For any other queue an item stays held for as long as it is handled.
 * Should James's internals differ from 3.8.1's, it warns once, and items count as held.
 */
final class HeldDelivery {
    private static final Logger LOGGER = LoggerFactory.getLogger(HeldDelivery.class);
    private static final String RABBITMQ_ITEM = "org.apache.james.queue.rabbitmq.Dequeuer$RabbitMQMailQueueItem";
    private static final String RABBITMQ_DELIVERY = "reactor.rabbitmq.AcknowledgableDelivery";
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final int MAX_WRAPPERS = 5;
    /** An item of a queue that loses nothing it handed out while it is handled. */
    static final HeldDelivery ALWAYS = new HeldDelivery(null, null);

    /** The RabbitMQ channel the item came over; null for other queues. */
    private final Object channel;
    /** What that channel stood for underneath when the item was taken: another one after a recovery. */
    private final Object underneath;

    private HeldDelivery(Object channel, Object underneath) {
        this.channel = channel;
        this.underneath = underneath;
    }

    /** The item as it stands now, when it is taken off its queue. */
    static HeldDelivery of(MailQueue.MailQueueItem taken) {
        Optional<MailQueue.MailQueueItem> rabbitMq = unwrap(taken);
        if (rabbitMq.isEmpty()) {
            return ALWAYS;
        }
        MailQueue.MailQueueItem item = rabbitMq.get();
        Optional<Object> channel = deliveryOf(item).flatMap(delivery -> field(delivery, delivery.getClass(), "channel"));
        if (channel.isEmpty()) {
            if (WARNED.compareAndSet(false, true)) {
                LOGGER.warn("James's RabbitMQ queue items are not as in James 3.8.1: a broker restart while a mail waits in a wait"
                    + " queue may release it twice");
            }
            return ALWAYS;
        }
        return new HeldDelivery(channel.get(), underneath(channel.get()));
    }

    /**
     * Whether the broker still counts the item as this node's: false once its channel closed or was
     * recovered onto another, since the broker then hands the message out again.
     */
    boolean stillHeld() {
        if (channel == null) {
            return true;
        }
        return Boolean.TRUE.equals(invoke(channel, "isOpen")) && underneath(channel) == underneath;
    }

    /**
     * James's RabbitMQ item inside the one the queue gave (James wraps items in decorators, each
     * holding the item it decorates); empty for any other queue's.
     */
    private static Optional<MailQueue.MailQueueItem> unwrap(MailQueue.MailQueueItem item) {
        MailQueue.MailQueueItem current = item;
        for (int depth = 0; depth < MAX_WRAPPERS; depth++) {
            if (current.getClass().getName().equals(RABBITMQ_ITEM)) {
                return Optional.of(current);
            }
            Optional<MailQueue.MailQueueItem> inner = wrapped(current);
            if (inner.isEmpty()) {
                return Optional.empty();
            }
            current = inner.get();
        }
        return Optional.empty();
    }

    private static Optional<MailQueue.MailQueueItem> wrapped(MailQueue.MailQueueItem decorator) {
        for (Class<?> type = decorator.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (MailQueue.MailQueueItem.class.isAssignableFrom(field.getType())) {
                    Optional<Object> value = field(decorator, type, field.getName());
                    if (value.isPresent() && value.get() != decorator) {
                        return value.map(MailQueue.MailQueueItem.class::cast);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The item's acknowledgement (a lambda of James's Dequeuer) holds the reactor-rabbitmq delivery it acknowledges. */
    private static Optional<Object> deliveryOf(MailQueue.MailQueueItem item) {
        Optional<Object> ack = field(item, item.getClass(), "ack");
        if (ack.isEmpty()) {
            return Optional.empty();
        }
        for (Field captured : ack.get().getClass().getDeclaredFields()) {
            try {
                captured.setAccessible(true);
                Object value = captured.get(ack.get());
                if (value != null && value.getClass().getName().equals(RABBITMQ_DELIVERY)) {
                    return Optional.of(value);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not the one: a lambda's captured values are looked through, whatever they are
            }
        }
        return Optional.empty();
    }

    /** The channel a recovering channel delegates to now (the channel itself when it does not recover). */
    private static Object underneath(Object channel) {
        Object delegate = invoke(channel, "getDelegate");
        return delegate == null ? channel : delegate;
    }

    private static Optional<Object> field(Object owner, Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return Optional.ofNullable(field.get(owner));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Object invoke(Object target, String method) {
        try {
            Method found = target.getClass().getMethod(method);
            found.setAccessible(true);
            return found.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The broker took the item back while it was held: it hands it out again, so this node leaves it alone. */
    static final class LostException extends Exception {
        LostException(String message) {
            super(message);
        }
    }
}
