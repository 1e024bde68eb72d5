package org.remoteforward.mailet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.remoteforward.config.DurationValue;
import org.remoteforward.config.RetrySchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retry delays that hold on a mail queue which ignores enqueue delays (James 3.8.1's RabbitMQ
 * queue enqueues at once, logging "Ignored delay upon enqueue"), built from James's MailQueue API
 * alone, so that every node sharing the queues takes part and nothing waits in one node's memory.
 *
 * <p>A waiting mail sits in a wait queue beside the outgoing one, {@code <outgoing>-wait-<stage>},
 * whose every mail waits the same time, its stage. Each node runs a releaser per wait queue that
 * takes the head mail (prefetch 1), holds it unacknowledged until its stage ends, then moves it on:
 * to the outgoing queue once its attempt is due, else to its next stage; only then is it
 * acknowledged. As every mail in a wait queue waits the same stage and the queue hands mails out in
 * order, the head is always the first to end: holding it never keeps a mail behind it past its time,
 * and with several nodes each holds one more. A node that dies holding a mail never acknowledged it:
 * the broker hands it to another node.
 *
 * <p>A stage is never longer than {@code retryHoldLimit}, since RabbitMQ takes a message back from a
 * consumer that holds it past {@code consumer_timeout} (30 minutes by default). A longer delay is
 * taken as whole stages of the limit and one for the rest: with a 10 minute limit, 1h is six stages
 * of 10m, 25m is two of 10m and one of 5m. The stages are those of the retry schedule, so every node
 * with the same schedule releases the same wait queues; wait queues found from an earlier schedule
 * are released too, so nothing is stranded when it changes.
 *
 * <p>Locking: none of its own; each releaser is one thread, and the queues are James's.
 */
final class WaitQueues implements DelayedRetries {
    /** When the mail's attempt is due, an ISO-8601 instant. */
    static final AttributeName DUE = AttributeName.of("org.remoteforward.waitDue");
    /** When the mail's stage in its wait queue ends, an ISO-8601 instant. */
    static final AttributeName STAGE_ENDS = AttributeName.of("org.remoteforward.waitStageEnds");
    /** A stage may end this much before the attempt is due and be taken whole: the mail is released at its due time within it. */
    private static final Duration STAGE_TOLERANCE = Duration.ofMillis(500);
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(1);
    private static final Duration HAND_BACK = Duration.ofSeconds(5);
    private static final Logger LOGGER = LoggerFactory.getLogger(WaitQueues.class);

    private final MailQueue outgoing;
    private final Duration holdLimit;
    private final Clock clock;
    private final NavigableMap<Duration, MailQueue> stages;
    private final List<QueueWorkers> releasers = new ArrayList<>();

    private WaitQueues(MailQueue outgoing, Duration holdLimit, Clock clock, NavigableMap<Duration, MailQueue> stages) {
        this.outgoing = outgoing;
        this.holdLimit = holdLimit;
        this.clock = clock;
        this.stages = stages;
    }

    /**
     * Creates (or joins) the wait queues of {@code outgoing} for {@code schedule} and starts this
     * node's releasers, one per wait queue.
     */
    static WaitQueues start(MailQueueFactory<?> queues, MailQueue outgoing, RetrySchedule schedule, Duration holdLimit, Clock clock) {
        String prefix = outgoing.getName().asString() + "-wait-";
        TreeSet<Duration> lengths = new TreeSet<>(stagesOf(schedule.delays(), holdLimit));
        for (MailQueueName existing : queues.listCreatedMailQueues()) {
            stageNamed(existing.asString(), prefix).ifPresent(lengths::add);
        }
        NavigableMap<Duration, MailQueue> stages = new TreeMap<>();
        for (Duration length : lengths) {
            stages.put(length, queues.createQueue(MailQueueName.of(prefix + written(length)), MailQueueFactory.prefetchCount(1)));
        }
        WaitQueues waitQueues = new WaitQueues(outgoing, holdLimit, clock, stages);
        for (Map.Entry<Duration, MailQueue> stage : stages.entrySet()) {
            QueueWorkers releaser = new QueueWorkers(stage.getValue(), 1, "remote-forward-wait-" + written(stage.getKey()),
                (QueueWorkers.HeldWork) waitQueues::release);
            waitQueues.releasers.add(releaser);
            releaser.start();
        }
        LOGGER.info("queue {} ignores enqueue delays or was told to (retryDelays): retries wait in {}", outgoing.getName().asString(),
            stages.values().stream().map(queue -> queue.getName().asString()).toList());
        return waitQueues;
    }

    /** The stage lengths that take each delay whole: the delay itself up to the limit, else its rest and the limit. */
    static List<Duration> stagesOf(Collection<Duration> delays, Duration holdLimit) {
        TreeSet<Duration> lengths = new TreeSet<>();
        for (Duration delay : delays) {
            if (delay.compareTo(holdLimit) <= 0) {
                lengths.add(delay);
            } else {
                lengths.add(holdLimit);
                Duration rest = Duration.ofMillis(delay.toMillis() % holdLimit.toMillis());
                if (!rest.isZero()) {
                    lengths.add(rest);
                }
            }
        }
        return List.copyOf(lengths);
    }

    @Override
    public void enqueue(Mail mail, Duration delay) throws MessagingException {
        Instant now = clock.instant();
        Instant due = now.plus(delay);
        mail.setAttribute(new Attribute(DUE, AttributeValue.of(due.toString())));
        enterStage(mail, now, due);
    }

    /**
     * What a releaser does with the head of its wait queue: holds it to the end of its stage, then
     * moves it on, unless the broker took it back meanwhile (its connection was recovered after a
     * restart): it then hands the mail out again, and a release here would be a second one.
     */
    private void release(Mail mail, MailQueue.MailQueueItem item) throws Exception {
        // read now, when the mail is taken: what its channel is, to tell after the hold whether it changed
        HeldDelivery held = HeldDelivery.of(item);
        Instant now = clock.instant();
        Instant ends = instant(mail, STAGE_ENDS).orElse(now);
        Instant due = instant(mail, DUE).orElse(now);
        Duration hold = Duration.between(now, ends);
        if (hold.compareTo(holdLimit) > 0) {
            // a stage from a schedule longer than this node's limit, or a clock far ahead on the node that queued it:
            // held no longer than the broker allows, then staged anew
            hold = holdLimit;
        }
        sleep(hold);
        if (!held.stillHeld()) {
            throw new HeldDelivery.LostException("its channel to the broker closed or was recovered while it was held in "
                + "its wait queue");
        }
        try {
            now = clock.instant();
            if (!now.isBefore(due)) {
                mail.removeAttribute(DUE);
                mail.removeAttribute(STAGE_ENDS);
                outgoing.enQueue(mail);
            } else {
                enterStage(mail, now, due);
            }
        } catch (Exception e) {
            // handed back to its wait queue, whose releaser would take it again at once
            sleep(PAUSE_AFTER_FAILURE);
            throw e;
        }
    }

    /**
     * Puts the mail in the longest stage that does not run past its due time (give or take the
     * tolerance), ending no later than that time; with none that short, in the shortest (a delay
     * the schedule does not hold, which the mailet never asks for: it may then wait behind mails
     * due later).
     */
    private void enterStage(Mail mail, Instant now, Instant due) throws MessagingException {
        Duration remaining = Duration.between(now, due);
        Map.Entry<Duration, MailQueue> stage = Optional.ofNullable(stages.floorEntry(remaining.plus(STAGE_TOLERANCE)))
            .orElseGet(stages::firstEntry);
        Instant ends = now.plus(stage.getKey());
        mail.setAttribute(new Attribute(STAGE_ENDS, AttributeValue.of((ends.isBefore(due) ? ends : due).toString())));
        stage.getValue().enQueue(mail);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
        }
    }

    private static Optional<Instant> instant(Mail mail, AttributeName name) {
        try {
            return mail.getAttribute(name).map(attribute -> attribute.getValue().getValue())
                .filter(String.class::isInstance).map(String.class::cast).map(Instant::parse);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A stage length as a queue name shows it: 5m, 90s, 1500ms. */
    static String written(Duration length) {
        long millis = length.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    private static Optional<Duration> stageNamed(String queue, String prefix) {
        if (!queue.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(DurationValue.parse(queue.substring(prefix.length())));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }

    @Override
    public List<MailQueue> waitingQueues() {
        return List.copyOf(stages.values());
    }

    @Override
    public void close() {
        // a held mail goes back to its wait queue as soon as its releaser is interrupted
        releasers.forEach(releaser -> releaser.close(HAND_BACK));
    }
}
