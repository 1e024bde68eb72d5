package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.slf4j.MDC;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

class QueueWorkersTest {

    /**
     * Like James's JMS/ActiveMQ queue: asking for the next item blocks the asking thread until
     * one arrives. A mailet whose init() asked on its own thread would hold James's start-up.
     */
    private static final class BlockingQueueOnRequest implements MailQueue {
        private final BlockingQueue<Mail> mails = new LinkedBlockingQueue<>();
        final List<MailQueueItem.CompletionStatus> completions = new CopyOnWriteArrayList<>();
        final CountDownLatch completed = new CountDownLatch(2);
        final CountDownLatch interrupted = new CountDownLatch(1);
        /** Counts down each time the queue is asked for a mail: at 0, the third ask is out. */
        final CountDownLatch thirdAsk = new CountDownLatch(3);
        final AtomicInteger failuresToCome;
        /** How long handing a mail back or acknowledging it takes, as a broker round trip does. */
        volatile long doneMillis;

        BlockingQueueOnRequest(int failuresToCome) {
            this.failuresToCome = new AtomicInteger(failuresToCome);
        }

        @Override
        public MailQueueName getName() {
            return MailQueueName.of("blocking");
        }

        @Override
        public void enQueue(Mail mail, Duration delay) {
            mails.add(mail);
        }

        @Override
        public void enQueue(Mail mail) {
            mails.add(mail);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return Mono.fromRunnable(() -> mails.add(mail));
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            if (failuresToCome.getAndDecrement() > 0) {
                return Flux.error(new MailQueueException("the broker hiccups"));
            }
            // shaped like James's JMS queue: one blocking receive per item, repeated
            return Mono.defer(this::takeOne).repeat();
        }

        private Mono<MailQueueItem> takeOne() {
            thirdAsk.countDown();
            try {
                Mail mail = mails.take();
                return Mono.just(new MailQueueItem() {
                    @Override
                    public Mail getMail() {
                        return mail;
                    }

                    @Override
                    public void done(CompletionStatus status) {
                        // a round trip an interrupt does not cut short
                        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(doneMillis);
                        while (System.nanoTime() < end) {
                            Thread.onSpinWait();
                        }
                        completions.add(status);
                        completed.countDown();
                    }
                });
            } catch (InterruptedException e) {
                // counted once the error has travelled all the way down
                return Mono.<MailQueueItem>error(new MailQueueException("Unable to dequeue next message", e))
                    .doFinally(signal -> interrupted.countDown());
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void startReturnsAtOnceWhenTheQueueBlocksTheThreadThatAsksForAMail() throws Exception {
        BlockingQueueOnRequest queue = new BlockingQueueOnRequest(0);
        List<String> delivered = new CopyOnWriteArrayList<>();
        QueueWorkers workers = new QueueWorkers(queue, 2, "remote-forward-delivery", mail -> {
            if (mail.getName().equals("broken")) {
                throw new IllegalStateException("delivery blew up");
            }
            delivered.add(mail.getName());
        });

        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            // a liveness bound, not a performance figure: without its own dequeue thread start() never returns
            assertTimeoutPreemptively(Duration.ofSeconds(30), workers::start);

            queue.enQueue(FakeMail.builder().name("first").build());
            queue.enQueue(FakeMail.builder().name("broken").build());
            assertThat(queue.completed.await(30, TimeUnit.SECONDS)).isTrue();
            // closed only once the queue is asked for a third mail: closed before, the ask is cancelled and nothing waits to be interrupted
            assertThat(queue.thirdAsk.await(30, TimeUnit.SECONDS)).as("the workers ask for the next mail").isTrue();
            workers.close();
            assertThat(queue.interrupted.await(30, TimeUnit.SECONDS)).as("closing interrupts the waiting queue").isTrue();
        } finally {
            workers.close();
            Hooks.resetOnErrorDropped();
        }

        assertThat(dropped).as("errors Reactor would log as dropped").isEmpty();

        assertThat(delivered).containsExactly("first");
        assertThat(queue.completions).containsExactlyInAnyOrder(
            MailQueue.MailQueueItem.CompletionStatus.SUCCESS, MailQueue.MailQueueItem.CompletionStatus.RETRY);
    }

    @Test
    void aQueueThatFailsToHandOverTheNextMailIsAskedAgain() throws Exception {
        BlockingQueueOnRequest queue = new BlockingQueueOnRequest(2);
        List<String> delivered = new CopyOnWriteArrayList<>();
        QueueWorkers workers = new QueueWorkers(queue, 2, "remote-forward-delivery", mail -> delivered.add(mail.getName()));

        try {
            workers.start();
            queue.enQueue(FakeMail.builder().name("first").build());
            queue.enQueue(FakeMail.builder().name("second").build());
            assertThat(queue.completed.await(30, TimeUnit.SECONDS)).as("both mails handled despite two failures").isTrue();
        } finally {
            workers.close();
        }

        assertThat(delivered).containsExactlyInAnyOrder("first", "second");
        assertThat(queue.failuresToCome.get()).isNegative();
    }

    @Test
    void eachMailIsHandledUnderJamesMdcSoItsLinesCanBeFollowedFromTheSpool() throws Exception {
        BlockingQueueOnRequest queue = new BlockingQueueOnRequest(0);
        List<String> contexts = new CopyOnWriteArrayList<>();
        QueueWorkers workers = new QueueWorkers(queue, 1, "remote-forward-delivery",
            mail -> contexts.add(MDC.get("mail") + " " + MDC.get("sender") + " " + MDC.get("recipients")));

        try {
            workers.start();
            queue.enQueue(FakeMail.builder().name("followed").sender("a@example.com").recipient("b@example.com").build());
            queue.enQueue(FakeMail.builder().name("second").sender("c@example.com").recipient("d@example.com").build());
            assertThat(queue.completed.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            workers.close();
        }

        // the keys James's spool (ProcessorImpl) and RemoteDelivery's workers use, and nothing left behind between mails
        assertThat(contexts).containsExactly("followed a@example.com [b@example.com]", "second c@example.com [d@example.com]");
    }

    @Test
    void closingHandsBackAMailBeingHeldBeforeItReturns() throws Exception {
        BlockingQueueOnRequest queue = new BlockingQueueOnRequest(0);
        queue.doneMillis = 500;
        CountDownLatch holding = new CountDownLatch(1);
        // as a wait-queue releaser holds its mail until its step ends
        QueueWorkers workers = new QueueWorkers(queue, 1, "remote-forward-wait-test", mail -> {
            holding.countDown();
            Thread.sleep(60_000);
        });
        workers.start();
        try {
            queue.enQueue(FakeMail.builder().name("held").build());
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();

            workers.close(Duration.ofSeconds(10));

            assertThat(queue.completions).as("handed back by the time close returns").containsExactly(
                MailQueue.MailQueueItem.CompletionStatus.RETRY);
        } finally {
            workers.close();
        }
    }
}
