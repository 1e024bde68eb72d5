package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * {@code failover temporary}: the recipients a target answers with 4xx, at any step, go to the
 * targets not tried yet in the same attempt; a 5xx stays final; a later target that cannot take
 * them never turns a temporary failure into a bounce; the result names every target tried.
 */
class TemporaryFailoverTest {
    @RegisterExtension
    final Started started = new Started();

    private static final Envelope TWO = new Envelope("a@example.com", List.of("b@example.com", "c@example.com"));
    private static final Envelope ONE = new Envelope("a@example.com", List.of("b@example.com"));

    private static Script greeted(String... ehlo) {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send(ehlo.length == 0 ? new String[] {"250 mx.test"} : ehlo);
    }

    /** Takes the message for {@code recipients} from a@example.com, then QUITs when the sender closes. */
    private static Script taking(String... recipients) {
        Script script = greeted().expect("MAIL FROM:<a@example.com>").send("250 ok");
        for (String recipient : recipients) {
            script.expect("RCPT TO:<" + recipient + ">").send("250 ok");
        }
        return script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued").expect("QUIT").send("221 bye");
    }

    /** Answers RCPT TO:<b@example.com> with {@code reply} and takes nothing; QUITs when the sender closes. */
    private static Script answeringB(String reply) {
        return greeted().expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send(reply)
            .expect("QUIT").send("221 bye");
    }

    private static SettingsBuilder temporary(String... targets) {
        return SettingsBuilder.to(targets).failover(Failover.TEMPORARY);
    }

    @Test
    void aRecipientRefusedWith4xxAtRcptGoesToTheNextTargetAndTheOthersStay() throws Exception {
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("451 4.7.1 greylisted, come back later")
            .expect("RCPT TO:<c@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), TWO);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(b.endpoint().orElseThrow().toString()).isEqualTo(second.tcpUri());
        assertThat(b.detail()).contains(first.tcpUri() + " answered RCPT TO with 451 4.7.1 greylisted").contains(second.tcpUri());
        assertThat(result.of("c@example.com").endpoint().orElseThrow().toString()).isEqualTo(first.tcpUri());
        assertThat(first.onlyConversation().messages).hasSize(1);
        assertThat(second.onlyConversation().messages).hasSize(1);
        assertThat(first.violations()).isEmpty();
        assertThat(second.violations()).isEmpty();
    }

    @Test
    void withTheDefaultFailoverA4xxWaitsForItsRetryAndTheNextTargetIsNotAsked() throws Exception {
        ScriptedServer first = started.tcp(answeringB("451 4.7.1 greylisted"));
        ScriptedServer second = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(SettingsBuilder.to(first.tcpUri(), second.tcpUri()), ONE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(first.onlyConversation().violations).isEmpty();
        assertThat(second.conversations()).isEmpty();
    }

    @Test
    void a5xxStaysFinalAndNoOtherTargetIsAsked() throws Exception {
        ScriptedServer first = started.tcp(answeringB("550 5.1.1 no such user"));
        ScriptedServer second = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), ONE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(result.of("b@example.com").detail()).doesNotContain(second.tcpUri());
        assertThat(second.conversations()).isEmpty();
    }

    @Test
    void aMailFromRefusedWith4xxSendsTheWholeMessageToTheNextTarget() throws Exception {
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("452 4.3.1 insufficient system storage")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(taking("b@example.com", "c@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), TWO);

        assertThat(result.delivered()).hasSize(2);
        assertThat(result.of("c@example.com").detail()).contains(first.tcpUri() + " answered MAIL FROM with 452 4.3.1");
        assertThat(second.onlyConversation().onlyMessage()).isEqualTo(Messages.SIMPLE.getBytes());
    }

    @Test
    void aTemporaryReplyAfterTheMessageSendsItToTheNextTarget() throws Exception {
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("451 4.3.0 queue file write error")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(taking("b@example.com", "c@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), TWO);

        assertThat(result.delivered()).hasSize(2);
        assertThat(result.of("b@example.com").detail()).contains(first.tcpUri() + " answered the message with 451 4.3.0");
        assertThat(first.onlyConversation().messages).hasSize(1);
        assertThat(second.onlyConversation().onlyMessage()).isEqualTo(Messages.SIMPLE.getBytes());
    }

    @Test
    void aTemporaryReplyToDataFailsOver() throws Exception {
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("451 4.3.0 not now")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), ONE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("b@example.com").detail()).contains(first.tcpUri() + " answered DATA with 451 4.3.0 not now");
        assertThat(first.onlyConversation().violations).isEmpty();
        assertThat(second.onlyConversation().onlyMessage()).isEqualTo(Messages.SIMPLE.getBytes());
    }

    @Test
    void aTemporaryReplyToAuthFailsOver() throws Exception {
        ScriptedServer first = started.tcp(greeted("250-mx.test", "250 AUTH PLAIN")
            .expectMatching("AUTH PLAIN .*").send("454 4.7.0 temporary authentication failure")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(greeted("250-mx.test", "250 AUTH PLAIN")
            .expectMatching("AUTH PLAIN .*").send("235 2.7.0 ok")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()).plain("relay", "secret"), ONE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("b@example.com").detail()).contains(first.tcpUri() + " answered AUTH with 454 4.7.0");
        assertThat(first.onlyConversation().violations).isEmpty();
        assertThat(second.onlyConversation().violations).isEmpty();
    }

    @Test
    void overLmtpEachRecipientsOwn4xxAfterTheMessageGoesToTheNextTarget() throws Exception {
        ScriptedServer first = started.tcp(Script.of().send("220 lmtp.test LMTP")
            .expect("LHLO client.test").send("250 lmtp.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 <b@example.com> saved", "452 4.2.2 <c@example.com> mailbox locked")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(Script.of().send("220 lmtp.test LMTP")
            .expect("LHLO client.test").send("250 lmtp.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 <c@example.com> saved")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()).lmtp(), TWO);

        assertThat(result.of("b@example.com").endpoint().orElseThrow().toString()).isEqualTo(first.tcpUri());
        assertThat(result.of("c@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("c@example.com").endpoint().orElseThrow().toString()).isEqualTo(second.tcpUri());
        assertThat(result.of("c@example.com").detail()).contains("452 4.2.2 <c@example.com> mailbox locked");
        assertThat(first.violations()).isEmpty();
        assertThat(second.violations()).isEmpty();
    }

    @Test
    void whenEveryTargetAnswers4xxTheRecipientWaitsAndItsDetailNamesEachAnswer() throws Exception {
        ScriptedServer first = started.tcp(answeringB("451 4.7.1 first says later"));
        ScriptedServer second = started.tcp(answeringB("450 4.2.0 second says later"));
        ScriptedServer third = started.tcp(answeringB("452 4.3.1 third is full"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri(), third.tcpUri()), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.detail()).contains("451 4.7.1 first says later", "450 4.2.0 second says later", "452 4.3.1 third is full");
        assertThat(b.detail().indexOf("first says")).isLessThan(b.detail().indexOf("second says"));
        // the last server's own reply is the one a DSN quotes
        assertThat(b.serverReply().orElseThrow().text()).isEqualTo("third is full");
        assertThat(b.endpoint().orElseThrow().toString()).isEqualTo(third.tcpUri());
        assertThat(List.of(first, second, third)).allSatisfy(server -> assertThat(server.onlyConversation().violations).isEmpty());
    }

    @Test
    void aHugeReplyFromOneTargetDoesNotCrowdTheNextTargetsAnswerOutOfTheTrail() throws Exception {
        String[] huge = new String[61];
        for (int i = 0; i < 60; i++) {
            huge[i] = "451-4.7.1 " + "x".repeat(100);
        }
        huge[60] = "451 4.7.1 the end of a long story";
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send(huge).expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(answeringB("450 4.2.0 second says later"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), ONE);

        String detail = result.of("b@example.com").detail();
        assertThat(detail).contains(second.tcpUri() + " answered RCPT TO with 450 4.2.0 second says later");
        assertThat(PrintableText.line(detail)).as("what a log line or a DSN keeps of it").contains("second says later");
        assertThat(detail.length()).isLessThan(2 * FailoverTrail.STEP_CHARS + 200);
    }

    @Test
    void aNextTargetThatCannotBeReachedLeavesTheRecipientWaitingOnTheFirstTargetsReply() throws Exception {
        ScriptedServer first = started.tcp(answeringB("451 4.7.1 greylisted"));
        String dead = LoopbackPorts.deadEndpoint();
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), dead), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.serverReply().orElseThrow().text()).isEqualTo("greylisted");
        assertThat(b.detail()).contains(first.tcpUri() + " answered RCPT TO with 451").contains(dead + ": cannot connect");
    }

    @Test
    void aNextTargetThatCannotTakeTheMessageNeverTurnsTheWaitIntoABounce() throws Exception {
        ScriptedServer first = started.tcp(answeringB("451 4.7.1 greylisted"));
        // far too small a SIZE for the message: this target would refuse it for good
        ScriptedServer tooSmall = started.tcp(greeted("250-mx.test", "250 SIZE 10").expect("QUIT").send("221 bye"));
        ScriptedServer third = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), tooSmall.tcpUri(), third.tcpUri()), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(b.endpoint().orElseThrow().toString()).isEqualTo(third.tcpUri());
        assertThat(b.detail()).contains("451 4.7.1 greylisted").contains(tooSmall.tcpUri()).contains("SIZE");

        ScriptedServer firstAgain = started.tcp(answeringB("451 4.7.1 greylisted"));
        ScriptedServer tooSmallAgain = started.tcp(greeted("250-mx.test", "250 SIZE 10").expect("QUIT").send("221 bye"));
        DeliveryResult waiting = started.deliverOnce(temporary(firstAgain.tcpUri(), tooSmallAgain.tcpUri()), ONE);
        assertThat(waiting.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(waiting.of("b@example.com").serverReply().orElseThrow().text()).isEqualTo("greylisted");
    }

    @Test
    void aNextTargetsOwn5xxIsFinalAndTheDetailKeepsTheFirstAnswer() throws Exception {
        ScriptedServer first = started.tcp(answeringB("451 4.7.1 greylisted"));
        ScriptedServer second = started.tcp(answeringB("550 5.1.1 no such user"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(b.detail()).contains("451 4.7.1 greylisted").contains(second.tcpUri() + " answered RCPT TO with 550 5.1.1");
    }

    @Test
    void recipientsOverTheServersLimitStayWithItWhileThose4xxGoOn() throws Exception {
        // the first takes one recipient a transaction; its second transaction refuses c with a 451
        ScriptedServer first = started.tcp(greeted().expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("452 4.5.3 too many recipients")
            .expect("RCPT TO:<d@example.com>").send("452 4.5.3 too many recipients")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<c@example.com>").send("451 4.7.1 greylisted")
            .expect("RCPT TO:<d@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye"));
        ScriptedServer second = started.tcp(taking("c@example.com"));
        Envelope three = new Envelope("a@example.com", List.of("b@example.com", "c@example.com", "d@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(first.tcpUri(), second.tcpUri()), three);

        assertThat(result.delivered()).hasSize(3);
        assertThat(result.of("b@example.com").endpoint().orElseThrow().toString()).isEqualTo(first.tcpUri());
        assertThat(result.of("d@example.com").endpoint().orElseThrow().toString()).isEqualTo(first.tcpUri());
        assertThat(result.of("c@example.com").endpoint().orElseThrow().toString()).isEqualTo(second.tcpUri());
        // the over-limit 452 was no failure of c's: only the 451 is in its trail
        assertThat(result.of("c@example.com").detail()).contains("451 4.7.1 greylisted").doesNotContain("452");
        assertThat(first.onlyConversation().messages).hasSize(2);
        assertThat(first.violations()).isEmpty();
        assertThat(second.violations()).isEmpty();
    }

    @Test
    void aTargetFailingAtConnectionIsPassedOverAndThe4xxOnesGoToTheRest() throws Exception {
        String dead = LoopbackPorts.deadEndpoint();
        ScriptedServer second = started.tcp(answeringB("451 4.7.1 greylisted"));
        ScriptedServer third = started.tcp(taking("b@example.com"));
        DeliveryResult result = started.deliverOnce(temporary(dead, second.tcpUri(), third.tcpUri()), ONE);

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(result.of("b@example.com").endpoint().orElseThrow().toString()).isEqualTo(third.tcpUri());
    }
}
