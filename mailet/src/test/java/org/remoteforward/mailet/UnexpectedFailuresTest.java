package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/**
 * A mail whose attempt fails in a way no recipient's outcome explains (here: James refuses the
 * bounce) goes back with only its pending recipients, after a pause, on a queue that keeps delays
 * and on one that does not; past the limit it goes to the error processor.
 */
class UnexpectedFailuresTest {
    private static final String MESSAGE = RemoteForwardMailetTest.ORIGINAL;

    @RegisterExtension
    final Started started = new Started();

    static Stream<Arguments> queues() {
        return Stream.of(Arguments.of("memory", null), Arguments.of("delay-ignoring", new DelayIgnoringQueues()));
    }

    /** One recipient taken, the other refused for good. */
    private static Script oneTakenOneRefused() {
        return Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<one@example.com>").send("250 ok")
            .expect("RCPT TO:<two@example.com>").send("550 5.1.1 no such user")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye");
    }

    private static Script refused() {
        return Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<two@example.com>").send("550 5.1.1 no such user")
            .expect("QUIT").send("221 bye");
    }

    /** A mailet context over {@code fake} whose first {@code refusals} bounces (sendMail of a message) throw, as a spool that refuses does. */
    private static MailetContext refusingBounces(FakeMailContext fake, int refusals) {
        AtomicInteger left = new AtomicInteger(refusals);
        return (MailetContext) Proxy.newProxyInstance(MailetContext.class.getClassLoader(), new Class<?>[] {MailetContext.class},
            (proxy, method, args) -> {
                if (method.getName().equals("sendMail") && args.length == 3 && left.getAndDecrement() > 0) {
                    throw new MessagingException("the spool refuses the mail");
                }
                try {
                    return method.invoke(fake, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    @ParameterizedTest(name = "{0} queue")
    @MethodSource("queues")
    void aFailureAfterARecipientWasDeliveredNeverSendsItAgain(String kind, MailQueueFactory<?> queues) throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        ScriptedServer server = started.tcp(List.of(oneTakenOneRefused(), refused()));
        harness.start(refusingBounces(harness.context, 1), "targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "delayTime", "300ms", "reuseConnections", "no")
            .service(harness.mail(MESSAGE, "a@example.com", "one@example.com", "two@example.com"));

        MailetHarness.await(() -> harness.dsns().size() == 1, "the bounce, once James takes it");
        Thread.sleep(500);

        List<ScriptedServer.Conversation> attempts = server.conversations();
        assertThat(attempts).as("the first attempt, and one for two@example.com alone").hasSize(2);
        assertThat(server.violations()).as("the second attempt names two@example.com alone").isEmpty();
        assertThat(attempts.get(0).messages).hasSize(1);
        assertThat(attempts.get(1).messages).isEmpty();
        assertThat(attempts.get(1).acceptedNanos - attempts.get(0).acceptedNanos).as("after the pause").isGreaterThanOrEqualTo(300_000_000L);
        assertThat(MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg())).contains("Final-Recipient: rfc822; two@example.com")
            .doesNotContain("one@example.com");
    }

    @ParameterizedTest(name = "{0} queue")
    @MethodSource("queues")
    void aMailThatAlwaysFailsEndsInTheErrorProcessorAfterTheLimit(String kind, MailQueueFactory<?> queues) throws Exception {
        MailetHarness harness = new MailetHarness(started, queues);
        ScriptedServer server = started.tcp(refused());
        harness.start(refusingBounces(harness.context, Integer.MAX_VALUE), "targets", server.tcpUri(), "starttls", "no",
                "heloName", "relay.test", "delayTime", "100ms", "reuseConnections", "no")
            .service(harness.mail(MESSAGE, "a@example.com", "two@example.com"));

        MailetHarness.await(() -> !harness.context.getSentMails().isEmpty(), "the mail in the error processor");
        Thread.sleep(500);

        assertThat(server.conversations()).as("one attempt per failure, each after a pause").hasSize(UnexpectedFailures.LIMIT);
        assertThat(harness.context.getSentMails()).singleElement().satisfies(sent -> {
            assertThat(sent.getState()).isEqualTo("error");
            assertThat(sent.getRecipients()).containsExactly(new MailAddress("two@example.com"));
            assertThat((String) sent.getAttributes().get(FailedRecipients.DELIVERY_ERROR).getValue().getValue())
                .contains("failed unexpectedly 5 times").contains("the spool refuses the mail");
        });
    }
}
